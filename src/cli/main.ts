import { parseArgs } from 'node:util';
import { loadConfig } from '../runtime/config.ts';

const usage = `Usage: tenure <command>

  start [--role all|worker|intake]        run Tenure on its embedded defaults (what npm start runs)
  hr send <file.json> [--url U] [--secret S]
                                          sign an HR event (or batch) and post it to the intake
  mail list [--url U] [--json]            show the messages the local mail catcher received
  okta-emulator [--port P] [--token T]    run the bundled Okta emulator alone
  validate [--policies DIR] [--templates DIR]
                                          check policies and templates; lists every problem
  install-temporal                        find the Temporal CLI, or build it with Go into .tools/
`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      role: { type: 'string' },
      secret: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      policies: { type: 'string' },
      templates: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, ...rest] = positionals;
  const config = loadConfig();
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  switch (command) {
    // Each command loads only its own modules, so a quick command does not load the whole engine.
    case 'start':
      return (await import('./commands/start.ts')).startCommand({ role: values.role ?? 'all' });
    case 'okta-emulator':
      return (await import('./commands/okta-emulator.ts')).oktaEmulatorCommand({ port: values.port ? Number(values.port) : config.oktaEmulatorPort, token: values.token ?? config.oktaEmulatorToken });
    case 'mail':
      if (sub !== 'list') break;
      return (await import('./commands/mail.ts')).mailListCommand({ url: values.url ?? `http://127.0.0.1:${config.mailHttpPort}`, json: values.json });
    case 'hr':
      if (sub !== 'send' || rest.length !== 1) break;
      return (await import('./commands/hr-send.ts')).hrSendCommand({ file: rest[0]!, url: values.url ?? `http://127.0.0.1:${config.intakePort}`, secret: values.secret ?? config.hrWebhookSecret });
    case 'install-temporal':
      return (await import('./commands/install-temporal.ts')).installTemporalCommand();
    case 'validate':
      return (await import('./commands/validate.ts')).validateCommand({ policiesDir: values.policies ?? config.policiesDir, templatesDir: values.templates ?? config.templatesDir });
  }
  console.error(usage);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`tenure: ${error.message}`);
  process.exitCode = 1;
});
