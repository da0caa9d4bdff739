import { randomBytes } from 'node:crypto';
import type { TenureStack } from '../../src/runtime/stack.ts';

/**
 * An operator who signs in as a person would: an account in the stack's emulated Okta with a
 * password, and the device flow completed over HTTP (the intake says where to sign in, the
 * emulator's /activate takes the code and the password). Tests then decide with the ID token,
 * as `tenure login` would have kept it. The password is made here and never printed.
 */

export const OPERATOR_LOGIN = 'ops.approver@example.com';

export interface Operator {
  login: string;
  password: string;
}

export interface SignedInOperator {
  login: string;
  /** The ID token; a test must not print it. */
  token: string;
  /** The access token for the authorization server's audience (what the Temporal UI passes on). */
  accessToken: string;
  /** What a `tenure approve|reject` process needs to decide as this operator through the stack's intake. */
  env: { TENURE_OPERATOR_TOKEN: string; TENURE_INTAKE_URL: string };
}

type OperatorStack = Pick<TenureStack, 'okta' | 'intakeUrl'>;

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

async function ok(response: Promise<Response>, what: string): Promise<Response> {
  const answered = await response;
  // The body of a refusal is the emulator's or the intake's, never a secret of the test's.
  if (!answered.ok) throw new Error(`${what}: HTTP ${answered.status} ${await answered.text()}`);
  return answered;
}

/** The operator's Okta account, made ACTIVE with a fresh password (or given a fresh one, when it exists). */
export async function operatorAccount(stack: OperatorStack, login = OPERATOR_LOGIN): Promise<Operator> {
  const okta = stack.okta!;
  const password = `Op-${randomBytes(12).toString('base64url')}-9`;
  try {
    await okta.userApi.getUser({ userId: login });
    await okta.userApi.updateUser({ userId: login, user: { credentials: { password: { value: password } } } });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    const [first, last] = login.split('@')[0]!.split('.');
    await okta.userApi.createUser({ body: { profile: { login, email: login, firstName: first ?? 'Ops', lastName: last ?? 'Operator' }, credentials: { password: { value: password } } } });
  }
  return { login, password };
}

/** Where the stack's intake says operators sign in. */
export async function signInSettings(stack: OperatorStack): Promise<{ issuer: string; clientId: string }> {
  const response = await ok(fetch(`${stack.intakeUrl}/api/v1/decisions/sign-in`), 'the intake\'s sign-in settings');
  return (await response.json()) as { issuer: string; clientId: string };
}

/** What the person does in a browser: enters the code the device shows, and signs in at the issuer's org. */
export async function activateDevice(issuer: string, userCode: string, operator: Operator): Promise<void> {
  const orgUrl = new URL(issuer).origin;
  const page = await ok(fetch(`${orgUrl}/activate`, form({ user_code: userCode, username: operator.login, password: operator.password, action: 'allow' })), 'activation');
  const text = await page.text();
  if (!text.includes('Device activated')) throw new Error(`activation did not succeed: ${text.replace(/<[^>]+>/g, ' ').trim()}`);
}

/**
 * The whole device flow over HTTP: an ID token for `login` (OPERATOR_LOGIN by default), through
 * the app the intake names unless `clientId` names another.
 */
export async function signInOperator(stack: OperatorStack, login = OPERATOR_LOGIN, options: { clientId?: string } = {}): Promise<SignedInOperator> {
  const operator = await operatorAccount(stack, login);
  const settings = await signInSettings(stack);
  const issuer = settings.issuer;
  const clientId = options.clientId ?? settings.clientId;
  const metadata = (await (await ok(fetch(`${issuer}/.well-known/openid-configuration`), 'discovery')).json()) as Record<string, string>;
  const device = (await (await ok(fetch(metadata.device_authorization_endpoint!, form({ client_id: clientId, scope: 'openid profile email' })), 'device authorization')).json()) as Record<string, string>;
  await activateDevice(issuer, device.user_code!, operator);
  const tokens = (await (await ok(
    fetch(metadata.token_endpoint!, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code!, client_id: clientId })),
    'token',
  )).json()) as Record<string, string>;
  const token = tokens.id_token!;
  return { login, token, accessToken: tokens.access_token!, env: { TENURE_OPERATOR_TOKEN: token, TENURE_INTAKE_URL: stack.intakeUrl! } };
}

/**
 * Decides as `operator` through the stack's intake, as `tenure approve|reject` does: the workflow's
 * answer, or an Error carrying the intake's reason (a 409 when the workflow says it cannot be decided now).
 */
export async function decideAsOperator(stack: OperatorStack, operator: SignedInOperator, decision: 'approve' | 'reject', body: { workflowId: string; step?: string }): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.intakeUrl}/api/v1/decisions/${decision}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operator.token}` },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${String(answer.error)}`);
  return answer;
}
