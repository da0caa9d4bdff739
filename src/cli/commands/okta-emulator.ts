import { startOktaEmulator } from '../../emulator/okta/server.ts';

export async function oktaEmulatorCommand(options: { port: number; token: string }): Promise<void> {
  const emulator = await startOktaEmulator({ port: options.port, token: options.token });
  console.log(`Okta emulator listening on ${emulator.url} (Authorization: SSWS ${options.token}). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await emulator.close();
}
