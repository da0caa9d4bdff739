import { rm } from 'node:fs/promises';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { loadConfig } from '../../runtime/config.ts';
import { readSavedJson, writePrivateFile } from '../../runtime/private-file.ts';
import { fetchOrExplain } from '../http.ts';

/**
 * `tenure login` and `tenure logout`: an operator signs in with the company's identity provider
 * (Okta) by the OAuth 2.0 Device Authorization Grant, so a terminal needs no browser of its own
 * and Tenure never sees a password. The ID token is kept, readable by its owner only, for
 * `tenure approve|reject` to show the intake; it lives as long as the provider says (an hour on
 * Okta).
 */

const SESSION_FILE = 'operator-session.json';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: without an interval, poll every five seconds; after slow_down, five more. */
const DEFAULT_INTERVAL_SECONDS = 5;
const SLOW_DOWN_STEP_SECONDS = 5;

const Session = z.object({ issuer: z.string(), clientId: z.string(), login: z.string(), expiresAt: z.string(), idToken: z.string() });
type Session = z.infer<typeof Session>;

export interface IntakeOption {
  intake?: string;
}

/** The intake the operator decides through: --intake, else TENURE_INTAKE_URL, else this machine's on TENURE_INTAKE_PORT. */
export function intakeUrlOf(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return given ?? (env.TENURE_INTAKE_URL || `http://127.0.0.1:${loadConfig(env).intakePort}`);
}

const sessionFile = () => path.join(loadConfig().dataDir, SESSION_FILE);

/**
 * The ID token to show the intake: TENURE_OPERATOR_TOKEN (for scripts), else the one `tenure
 * login` kept, while it is current.
 */
export async function operatorToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.TENURE_OPERATOR_TOKEN) return env.TENURE_OPERATOR_TOKEN;
  const session = await readSavedJson(sessionFile(), Session, 'the operator session');
  if (session === undefined) throw new Error('Sign in first: npx tenure login');
  if (Date.parse(session.expiresAt) <= Date.now()) throw new Error(`Your sign-in as ${session.login} expired at ${session.expiresAt}: sign in again with npx tenure login`);
  return session.idToken;
}

/** The JSON of a response, or an empty object when it has none: errors are then said by status. */
async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await response.json();
    return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Where the intake says operators sign in. */
async function signInSettings(intake: string): Promise<{ issuer: string; clientId: string }> {
  const response = await fetchOrExplain('the intake', '/api/v1/decisions/sign-in', intake, undefined, '--intake');
  const body = await jsonOf(response);
  if (response.status === 404) {
    throw new Error(`the intake at ${intake} takes no decisions: it said why when it started (TENURE_OIDC_ISSUER, TENURE_OIDC_CLIENT_ID or TENURE_DECISION_KEY is not set)`);
  }
  if (!response.ok || typeof body.issuer !== 'string' || typeof body.clientId !== 'string') throw new Error(`the intake at ${intake} did not say where to sign in (HTTP ${response.status})`);
  return { issuer: body.issuer, clientId: body.clientId };
}

interface ProviderEndpoints {
  device_authorization_endpoint: string;
  token_endpoint: string;
}

async function providerEndpoints(issuer: string): Promise<ProviderEndpoints> {
  const response = await fetchOrExplain('the identity provider', '.well-known/openid-configuration', `${issuer}/`, undefined, 'TENURE_OIDC_ISSUER on the intake');
  const metadata = await jsonOf(response);
  if (!response.ok || typeof metadata.token_endpoint !== 'string') throw new Error(`${issuer} does not publish its OpenID configuration (HTTP ${response.status})`);
  if (typeof metadata.device_authorization_endpoint !== 'string') {
    throw new Error(`${issuer} offers no Device Authorization grant: enable it for the app (Okta: the app's General Settings › Grant type › Device Authorization)`);
  }
  return metadata as unknown as ProviderEndpoints;
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(fields),
});

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Polls the token endpoint as RFC 8628 §3.4–3.5 say until the person has answered; answers the ID token. */
async function awaitSignIn(endpoints: ProviderEndpoints, clientId: string, deviceCode: string, intervalSeconds: number): Promise<string> {
  let interval = intervalSeconds;
  for (;;) {
    await sleep(interval);
    const response = await fetch(endpoints.token_endpoint, form({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: clientId }));
    const body = await jsonOf(response);
    if (response.ok) {
      if (typeof body.id_token !== 'string') throw new Error('the identity provider gave no ID token: the app must be allowed the "openid" scope');
      return body.id_token;
    }
    switch (body.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        interval += SLOW_DOWN_STEP_SECONDS;
        continue;
      case 'access_denied':
        throw new Error('Sign-in was denied at the activation page: nothing was kept. Run npx tenure login again to sign in');
      case 'expired_token':
        throw new Error('The code expired before anyone signed in with it: run npx tenure login again');
      default:
        throw new Error(`the identity provider refused the sign-in: ${String(body.error ?? `HTTP ${response.status}`)}${typeof body.error_description === 'string' ? ` (${body.error_description})` : ''}`);
    }
  }
}

export async function login(options: IntakeOption): Promise<void> {
  const intake = intakeUrlOf(options.intake);
  const { issuer, clientId } = await signInSettings(intake);
  const endpoints = await providerEndpoints(issuer);
  const response = await fetch(endpoints.device_authorization_endpoint, form({ client_id: clientId, scope: 'openid profile email' }));
  const device = await jsonOf(response);
  if (!response.ok || typeof device.device_code !== 'string' || typeof device.user_code !== 'string' || typeof device.verification_uri !== 'string') {
    const error = typeof device.error === 'string' ? `${device.error}${typeof device.error_description === 'string' ? ` (${device.error_description})` : ''}` : `HTTP ${response.status}`;
    throw new Error(`the identity provider would not start a sign-in for the app ${clientId}: ${error}`);
  }
  console.log(`To sign in, open ${device.verification_uri} and enter the code ${device.user_code}`);
  if (typeof device.verification_uri_complete === 'string') console.log(`(or open ${device.verification_uri_complete})`);
  console.log('Waiting for you to sign in…');
  const idToken = await awaitSignIn(endpoints, clientId, device.device_code, typeof device.interval === 'number' ? device.interval : DEFAULT_INTERVAL_SECONDS);
  const claims = decodeJwt(idToken);
  const signedIn = typeof claims.preferred_username === 'string' ? claims.preferred_username : String(claims.sub);
  const expiresAt = new Date((claims.exp ?? 0) * 1000).toISOString();
  const session: Session = { issuer, clientId, login: signedIn, expiresAt, idToken };
  await writePrivateFile(sessionFile(), `${JSON.stringify(session, null, 2)}\n`);
  console.log(`Signed in as ${signedIn} until ${expiresAt}. Decide with npx tenure approve|reject <workflow>.`);
}

export async function logout(): Promise<void> {
  const file = sessionFile();
  const session = await readSavedJson(file, Session, 'the operator session').catch(() => undefined);
  await rm(file, { force: true });
  console.log(session ? `Signed out ${session.login}.` : 'Nobody was signed in.');
}
