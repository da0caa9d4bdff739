import { loadConfig } from '../../runtime/config.ts';
import { startTenure } from '../../runtime/stack.ts';

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const log = (line: string) => console.log(line);
  if (!config.okta) {
    log('SANDBOX MODE: OKTA_ORG_URL is not set, so Tenure acts on its bundled Okta emulator, not on a real Okta org.');
  }
  const stack = await startTenure(config, { log });
  const lines = [
    '',
    'Tenure is running.',
    `  Temporal UI      ${stack.temporalUiUrl ?? `(external cluster at ${stack.temporalAddress})`}`,
    `  Temporal         ${stack.temporalAddress}`,
    `  HR intake        ${stack.intakeUrl}/hooks/hr`,
    `  Okta             ${stack.oktaUrl}${stack.oktaEmulator ? `  (emulator; token: ${config.oktaEmulatorToken})` : ''}`,
    `  Mailbox          ${stack.mailCatcher ? `${stack.mailCatcher.httpUrl}/messages  (SMTP ${stack.mailCatcher.smtpUrl})` : '(SMTP_URL)'}`,
    `  Policies         ${config.policiesDir} (hash ${stack.policySet.hash})`,
    '',
    'Send the sample joiner:  npx tenure hr send examples/joiner.json',
    'Press Ctrl-C to stop.',
  ];
  log(lines.join('\n'));

  await new Promise<void>((resolve) => {
    const shutdown = () => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      resolve();
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  log('Stopping Tenure…');
  await stack.stop();
  log('Stopped.');
}
