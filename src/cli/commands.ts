/** A `tenure` subcommand: parses its own arguments, so that each command's options live with it. */
export interface CommandModule {
  run(argv: string[]): Promise<void>;
}

export interface Command {
  name: string;
  synopsis: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: readonly Command[] = [
  {
    name: 'start',
    synopsis: 'start [--role all|worker|intake]',
    summary: 'run Tenure on its embedded defaults (what npm start runs)',
    load: () => import('./commands/start.ts'),
  },
  {
    name: 'hr',
    synopsis: 'hr send <file.json> [--url U] [--secret S] | hr import <file.csv|file.json> [--dry-run] [--columns F] [--source S] [--json]',
    summary: 'post a signed HR event (or batch) to the intake, or import a whole HR export',
    load: () => import('./commands/hr.ts'),
  },
  {
    name: 'status',
    synopsis: 'status <workflow id> [--json]',
    summary: "an identity's record, lifecycle state, and what is scheduled or awaits approval",
    load: () => import('./commands/status.ts'),
  },
  {
    name: 'approve',
    synopsis: 'approve <workflow id> [--step P/W] [--by NAME]',
    summary: 'let a step that waits for approval (DELETE_IDENTITY) run',
    load: () => import('./commands/decide.ts').then(({ approve }) => ({ run: approve })),
  },
  {
    name: 'reject',
    synopsis: 'reject <workflow id> [--step P/W] [--by NAME]',
    summary: 'drop a step that waits for approval, and the rest of its workflow',
    load: () => import('./commands/decide.ts').then(({ reject }) => ({ run: reject })),
  },
  {
    name: 'mail',
    synopsis: 'mail list [--url U] [--json]',
    summary: 'show the messages the local mail catcher received',
    load: () => import('./commands/mail.ts'),
  },
  {
    name: 'okta-emulator',
    synopsis: 'okta-emulator [--port P] [--token T] [--admin] [--seed F] [--state F] [--oauth-clients F]',
    summary: 'run the bundled Okta emulator alone',
    load: () => import('./commands/okta-emulator.ts'),
  },
  {
    name: 'validate',
    synopsis: 'validate [PATH…] [--templates DIR]',
    summary: 'check policies and templates; lists every problem',
    load: () => import('./commands/validate.ts'),
  },
  {
    name: 'plan',
    synopsis: 'plan --old a.json --new b.json | --snapshot now.csv --previous before.csv [--now T] [--json]',
    summary: 'dry run: the steps the policies plan for one change, or for a whole HR export',
    load: () => import('./commands/plan.ts'),
  },
  {
    name: 'test',
    synopsis: 'test [--policies DIR] [--templates DIR]',
    summary: 'run the policy tests (policies/*.test.yaml)',
    load: () => import('./commands/test.ts'),
  },
  {
    name: 'schema',
    synopsis: 'schema [--write]',
    summary: "print the policy JSON Schema; --write refreshes policies/policy.schema.json and the README's reference",
    load: () => import('./commands/schema.ts'),
  },
  {
    name: 'install-temporal',
    synopsis: 'install-temporal',
    summary: 'find the Temporal CLI, or build it with Go into .tools/',
    load: () => import('./commands/install-temporal.ts'),
  },
];
