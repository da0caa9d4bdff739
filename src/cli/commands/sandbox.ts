import { createOktaClient, type OktaClient } from '../../okta/client.ts';
import { isOktaApiError } from '../../okta/errors.ts';
import { loadConfig } from '../../runtime/config.ts';
import { SANDBOX_APP_LABEL, SANDBOX_INTEGRATION, sandboxApp } from '../../runtime/sandbox-scim.ts';
import { scimSource } from '../../scim/outbox-relay.ts';

/**
 * What an Okta admin does in the Admin Console (Applications › Tenure › Assignments), done in the
 * sandbox's emulated org through Okta's own API: the emulator then pushes the person to Tenure by
 * SCIM, as Okta would.
 */

export type SandboxAction = 'assign' | 'unassign';

export interface SandboxOptions {
  url?: string;
}

/** How long to wait for the push to land before saying so; the push itself goes on regardless. */
const PUSH_WAIT_MS = 30_000;

async function emulatorClient(url: string | undefined): Promise<{ okta: OktaClient; orgUrl: string }> {
  const config = loadConfig();
  if (config.okta) throw new Error('tenure sandbox acts on the Okta emulator only; OKTA_ORG_URL names a real org (assign people to the app in its Admin Console)');
  const orgUrl = url ?? `http://127.0.0.1:${config.oktaEmulatorPort}`;
  return { okta: createOktaClient({ orgUrl, token: config.oktaEmulatorToken }), orgUrl };
}

/** Okta's answer, or what to do when the emulator is not there. */
async function explained<T>(orgUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isOktaApiError(error)) throw error;
    throw new Error(`cannot reach the Okta emulator at ${orgUrl} (${(error as Error).message}). Is Tenure running? Start it with \`npm start\`, or name another with --url.`);
  }
}

export async function run(action: SandboxAction, login: string, options: SandboxOptions): Promise<void> {
  const { okta, orgUrl } = await emulatorClient(options.url);
  const appId = await explained(orgUrl, () => sandboxApp(okta));
  if (!appId) throw new Error(`the emulated org at ${orgUrl} has no app "${SANDBOX_APP_LABEL}": npm start makes it when Tenure starts on the emulator`);
  const user = await explained(orgUrl, () => okta.userApi.getUser({ userId: login })).catch((error: unknown) => {
    if (isOktaApiError(error) && error.status === 404) throw new Error(`the emulated org has no user ${login}`);
    throw error;
  });
  if (action === 'unassign') {
    await okta.applicationApi.unassignUserFromApplication({ appId, userId: user.id! });
    console.log(`Unassigned ${login} from the app ${SANDBOX_APP_LABEL}: Okta pushes active=false to Tenure, a leaver of ${scimSource(SANDBOX_INTEGRATION)}.`);
    return;
  }
  await okta.applicationApi.assignUserToApplication({ appId, appUser: { id: user.id, scope: 'USER' } as never });
  // The emulator's admin API answers once the app has nothing left to push: the assignment's push included.
  const token = loadConfig().oktaEmulatorToken;
  const settled = await fetch(`${orgUrl}/emulator/v1/apps/${appId}/push?settled=true&timeoutMs=${PUSH_WAIT_MS}`, { headers: { authorization: `SSWS ${token}` } });
  const push = settled.ok ? ((await settled.json()) as { pending: number }) : undefined;
  const appUser = await okta.applicationApi.getApplicationUser({ appId, userId: user.id! });
  if (appUser.syncState === 'ERROR') {
    throw new Error(`assigned ${login} to the app ${SANDBOX_APP_LABEL}, but the push to Tenure failed (is Tenure's intake running?); the emulator's push log says why: ${orgUrl}/emulator/v1/apps/${appId}/push`);
  }
  if (!appUser.externalId || !push || push.pending > 0) {
    console.log(`Assigned ${login} to the app ${SANDBOX_APP_LABEL}; the push to Tenure has not landed yet (sync state ${appUser.syncState ?? 'unknown'}). The emulator goes on retrying it.`);
    return;
  }
  const identity = `${scimSource(SANDBOX_INTEGRATION)}/${appUser.externalId}`;
  console.log(`Assigned ${login} to the app ${SANDBOX_APP_LABEL}; Okta pushed them to Tenure by SCIM. Their identity: ${identity}`);
  console.log(`  npx tenure status ${identity}`);
}
