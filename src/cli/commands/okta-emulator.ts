import { parseArgs } from 'node:util';
import { startOktaEmulator } from '../../emulator/okta/server.ts';
import { loadConfig } from '../../runtime/config.ts';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, token: { type: 'string' } } });
  const config = loadConfig();
  const token = values.token ?? config.oktaEmulatorToken;
  const emulator = await startOktaEmulator({ port: values.port === undefined ? config.oktaEmulatorPort : Number(values.port), token });
  console.log(`Okta emulator listening on ${emulator.url} (Authorization: SSWS ${token}). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await emulator.close();
}
