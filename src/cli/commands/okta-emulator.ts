import { readOAuthClientsFile } from '../../emulator/okta/oauth-clients.ts';
import { FAST_RATE_LIMITS } from '../../emulator/okta/rate-limits.ts';
import { startOktaEmulator } from '../../emulator/okta/server.ts';
import { loadConfig } from '../../runtime/config.ts';

function portFrom(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got "${raw}"`);
  return port;
}

export interface OktaEmulatorOptions {
  port?: string;
  host?: string;
  token?: string;
  admin?: boolean;
  seed?: string;
  state?: string;
  oauthClients?: string;
}

export async function run(values: OktaEmulatorOptions): Promise<void> {
  const config = loadConfig();
  const token = values.token ?? config.oktaEmulatorToken;
  const clientsFile = values.oauthClients;
  const oauthClients = clientsFile === undefined ? [] : await readOAuthClientsFile(clientsFile);
  const emulator = await startOktaEmulator({
    token,
    port: portFrom(values.port, config.oktaEmulatorPort),
    ...(values.host === undefined ? {} : { host: values.host }),
    admin: values.admin ?? false,
    oauthClients,
    ...(values.seed === undefined ? {} : { seedFile: values.seed }),
    ...(values.state === undefined ? {} : { stateFile: values.state }),
    ...(config.oktaEmulatorFastRateLimits ? { rateLimits: FAST_RATE_LIMITS } : {}),
  });
  console.log(`Okta emulator listening on ${emulator.url} (Authorization: SSWS ${token}).`);
  if (emulator.rateLimitNotice) console.log(emulator.rateLimitNotice);
  if (oauthClients.length > 0) {
    console.log(`OAuth: ${oauthClients.map((client) => client.clientId).join(', ')} may get tokens at ${emulator.url}/oauth2/v1/token.`);
  }
  if (values.admin) console.log(`Admin API: ${emulator.url}/emulator/v1 (faults, reset, seed), same SSWS token.`);
  if (values.state !== undefined) console.log(`The org is saved to ${values.state}.`);
  console.log('Ctrl-C stops it.');
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await emulator.close();
}
