import { expect } from 'vitest';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../../src/emulator/okta/server.ts';
import { createOktaClient, type OktaClient } from '../../src/okta/client.ts';
import type { ScimClient } from '../scim/scim-fixture.ts';
import { TOKEN } from './okta-fixture.ts';

/**
 * The Okta emulator with its admin API, a real SDK client for it, and helpers to wire its apps to
 * Tenure's SCIM service provider (test/scim/scim-fixture.ts) and to wait for their pushes.
 */

export interface Emulated {
  emulator: OktaEmulator;
  client: OktaClient;
  /** The emulator's SSWS token, when not this fixture's (a whole stack's sandbox token). */
  token?: string;
}

/** Retries wait milliseconds here, not Okta's seconds. */
export const FAST_PUSH = { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, timeoutMs: 5000 };

export async function startEmulated(options: Omit<OktaEmulatorOptions, 'token' | 'admin'> = {}): Promise<Emulated> {
  const emulator = await startOktaEmulator({ token: TOKEN, admin: true, push: FAST_PUSH, ...options });
  return { emulator, client: createOktaClient({ orgUrl: emulator.url, token: TOKEN }) };
}

export type AppKind = 'OIN' | 'WIZARD';

/** The request body of each kind of app: the catalogue's SCIM test app, or a wizard-built SAML app. */
export function appBody(kind: AppKind, label: string): Record<string, unknown> {
  return kind === 'OIN'
    ? { name: 'scim2testapp', label, signOnMode: 'AUTO_LOGIN' }
    : { label, signOnMode: 'SAML_2_0', settings: { signOn: { ssoAcsUrl: 'https://tenure.example/acs' } } };
}

/** An Okta API call with the emulator's SSWS token, for routes the SDK offers no method for. */
export async function oktaCall(emulated: Emulated, method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulated.emulator.url}${path}`, {
    method,
    headers: { authorization: `SSWS ${emulated.token ?? TOKEN}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

/** The two calls a sandbox needs: the app, then its connection, enabled. Answers the app's id. */
export async function wireApp(emulated: Emulated, kind: AppKind, target: { baseUrl: string; token: string }, label = `Tenure ${kind}`): Promise<string> {
  const app = await oktaCall(emulated, 'POST', '/api/v1/apps', appBody(kind, label));
  expect(app.status).toBe(200);
  const connection = await oktaCall(emulated, 'POST', `/api/v1/apps/${app.body.id}/connections/default?activate=true`, {
    baseUrl: target.baseUrl,
    profile: { authScheme: 'TOKEN', token: target.token },
  });
  expect(connection.status).toBe(200);
  return app.body.id;
}

export interface PushState {
  pending: number;
  calls: Array<{ taskId: string; task: string; method: string; path: string; status: number | null; attempt: number; outcome: string; reason?: string }>;
  failedTasks: Array<{ taskId: string; task: string; subject: string; reason: string }>;
}

/** Waits until the app has nothing left to push (the emulator answers once it is so) and answers its push log. */
export async function settled(emulated: Emulated, appId: string): Promise<PushState> {
  const response = await fetch(`${emulated.emulator.url}/emulator/v1/apps/${appId}/push?settled=true&timeoutMs=20000`, {
    headers: { authorization: `SSWS ${emulated.token ?? TOKEN}` },
  });
  expect(response.status).toBe(200);
  const state = (await response.json()) as PushState;
  expect(state.pending).toBe(0);
  return state;
}

/** The user the SCIM integration holds under that login, as Okta's lookup would find it. */
export async function scimUser(scim: ScimClient, login: string) {
  const { body } = await scim.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${login}"`)}`);
  return body.Resources[0];
}

export async function scimGroup(scim: ScimClient, name: string) {
  const { body } = await scim.call('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`);
  return body.Resources[0];
}
