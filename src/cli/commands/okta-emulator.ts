import { parseArgs } from 'node:util';
import { readOAuthClientsFile } from '../../emulator/okta/oauth-clients.ts';
import { startOktaEmulator } from '../../emulator/okta/server.ts';
import { loadConfig } from '../../runtime/config.ts';

function portFrom(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got "${raw}"`);
  return port;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      admin: { type: 'boolean', default: false },
      seed: { type: 'string' },
      state: { type: 'string' },
      'oauth-clients': { type: 'string' },
    },
  });
  const config = loadConfig();
  const token = values.token ?? config.oktaEmulatorToken;
  const clientsFile = values['oauth-clients'];
  const oauthClients = clientsFile === undefined ? [] : await readOAuthClientsFile(clientsFile);
  const emulator = await startOktaEmulator({
    token,
    port: portFrom(values.port, config.oktaEmulatorPort),
    ...(values.host === undefined ? {} : { host: values.host }),
    admin: values.admin,
    oauthClients,
    ...(values.seed === undefined ? {} : { seedFile: values.seed }),
    ...(values.state === undefined ? {} : { stateFile: values.state }),
  });
  console.log(`Okta emulator listening on ${emulator.url} (Authorization: SSWS ${token}).`);
  if (oauthClients.length > 0) {
    console.log(`OAuth: ${oauthClients.map((client) => client.clientId).join(', ')} may get tokens at ${emulator.url}/oauth2/v1/token.`);
  }
  if (values.admin) console.log(`Admin API: ${emulator.url}/emulator/v1 (faults, reset, seed), same SSWS token.`);
  if (values.state !== undefined) console.log(`The org is saved to ${values.state}.`);
  console.log('Ctrl-C stops it.');
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await emulator.close();
}
