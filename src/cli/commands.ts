import { Command, Option } from 'commander';
import type { DecideOptions } from './commands/decide.ts';
import type { OktaEmulatorOptions } from './commands/okta-emulator.ts';
import type { PlanOptions } from './commands/plan.ts';

/**
 * Every `tenure` command and option, declared once: commander parses them, rejects unknown ones by
 * name, and writes the help from these declarations. Each action imports its module only when it
 * runs, so a quick command does not load the whole engine.
 */

/** Examples under a command's help; together they use every option the command has. */
function examples(command: Command, ...lines: Array<[string, string]>): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map(([line, what]) => `  # ${what}\n  ${line}`).join('\n\n')}`);
}

const addressOption = () =>
  new Option('--address <host:port>', "Temporal's address (default: TEMPORAL_ADDRESS, else 127.0.0.1:TEMPORAL_PORT, 7233)");
const policiesOption = () => new Option('--policies <dir>', 'policy folder (default: TENURE_POLICIES_DIR, else policies/)');
const templatesOption = () => new Option('--templates <dir>', 'template folder (default: TENURE_TEMPLATES_DIR, else templates/)');

function start(program: Command): void {
  const command = program
    .command('start')
    .summary('run Tenure (what npm start runs)')
    .description('run Tenure on its embedded defaults: Temporal, worker, intake, Okta emulator, mail catcher (what npm start runs)')
    .addOption(new Option('--role <role>', 'all: everything; worker: the workflows and activities; intake: the HTTP hooks').default('all'))
    .option('--stop-leftover', 'stop a Temporal dev server an earlier run left behind on the data folder, without asking')
    .action((options: { role: string; stopLeftover?: boolean }) => import('./commands/start.ts').then(({ run }) => run(options)));
  examples(command, ['tenure start', 'Temporal, worker, intake, Okta emulator, mail catcher'], ['tenure start --role worker', 'only the worker, beside an intake elsewhere'], ['tenure start --stop-leftover', 'first stop the dev server a crashed run left behind']);
}

function hr(program: Command): void {
  const group = program.command('hr').summary('hr send: post an HR event; hr import: a whole export').description('post a signed HR event to the intake, or import a whole HR export');
  const send = group
    .command('send')
    .description('sign a file of one HR event (or a batch) as an HR system would, and post it to the intake')
    .argument('<file.json>', 'an event {eventId, record} or a batch {events: [...]}')
    .option('--url <url>', "the intake's base URL (default: http://127.0.0.1:TENURE_INTAKE_PORT, 8080)")
    .option('--secret <secret>', 'the shared signing secret (default: HR_WEBHOOK_SECRET, else the sandbox secret)')
    .action((file: string, options: { url?: string; secret?: string }) => import('./commands/hr-send.ts').then(({ run }) => run(file, options)));
  examples(
    send,
    ['tenure hr send examples/joiner.json', 'to the local intake'],
    ['tenure hr send leaver.json --url https://tenure.example.com --secret "$HR_SECRET"', 'to another intake'],
  );
  const load = group
    .command('import')
    .description('compare every row of an HR export with what Tenure knows, and deliver the differences')
    .argument('<file>', 'a CSV with a header row, or JSON {records: [...]}')
    .option('--dry-run', 'print the plan as a table and deliver nothing')
    .option('--columns <mapping.json>', "map the export's column names to Tenure's attributes (default: TENURE_HR_COLUMNS)")
    .option('--source <name>', 'the source the rows come from', 'hr')
    .option('--json', 'print the summary (and a dry run\'s plan) as JSON')
    .addOption(addressOption())
    .action((file: string, options: { dryRun?: boolean; columns?: string; source?: string; json?: boolean; address?: string }) =>
      import('./commands/hr-import.ts').then(({ run }) => run(file, options)),
    );
  examples(
    load,
    ['tenure hr import examples/hr-export.csv --dry-run', 'what would change, nothing delivered'],
    ['tenure hr import workday.json --columns columns.json --source hr', 'an export with its own column names'],
    ['tenure hr import export.csv --json --address temporal.internal:7233', 'against another Temporal, for a script'],
  );
}

function status(program: Command): void {
  const command = program
    .command('status')
    .summary("an identity's record, state and schedule")
    .description("an identity's record, lifecycle state, and what is scheduled or awaits approval")
    .argument('<workflow>', 'a workflow id (identity/hr/E1001, guard/hr, held/hr/<batch>) or an identity (hr/E1001)')
    .option('--json', 'print the status query as JSON')
    .addOption(addressOption())
    .action((target: string, options: { json?: boolean; address?: string }) => import('./commands/status.ts').then(({ run }) => run(target, options)));
  examples(command, ['tenure status hr/E1001', "Zoë's record, state and schedule"], ['tenure status identity/hr/E1001 --json --address 10.0.0.5:7233', 'as JSON, from another Temporal']);
}

const intakeOption = () => new Option('--intake <url>', "the intake to decide through (default: TENURE_INTAKE_URL, else http://127.0.0.1:TENURE_INTAKE_PORT, 8080)");

function decision(program: Command, name: 'approve' | 'reject', summary: string, description: string, what: string): void {
  const command = program
    .command(name)
    .summary(summary)
    .description(`${description}, as the person signed in (tenure login, or TENURE_OPERATOR_TOKEN)`)
    .argument('<workflow>', 'the waiting workflow: identity/hr/E1001 (or hr/E1001), guard/hr, held/hr/<batch>')
    .option('--step <policy/workflow>', 'which waiting step, when several wait (default: the only one)')
    .addOption(intakeOption())
    // Gone: the sign-in says who decides. Kept hidden so that an old script hears why, not just "unknown option".
    .addOption(new Option('--by <name>').hideHelp())
    .action(function (this: Command, target: string, options: DecideOptions & { by?: string }) {
      if (options.by !== undefined) this.error(`tenure ${name}: --by is gone: the decision is recorded as the person signed in (npx tenure login), whom the intake names from their sign-in`, { code: 'tenure.usage', exitCode: 2 });
      return import('./commands/decide.ts').then((module) => module[name](target, options));
    });
  examples(
    command,
    [`tenure ${name} hr/E1001`, what],
    [`tenure ${name} identity/hr/E1001 --step employees/leaver-cleanup`, 'one of several waiting steps'],
    [`tenure ${name} guard/hr --intake https://tenure.example.com`, "the mass-change guard's held deprovisionings, through another intake"],
  );
}

function signIn(program: Command): void {
  const login = program
    .command('login')
    .summary('sign in with Okta to approve and reject')
    .description("sign in with the company's identity provider (Okta, by OIDC): open the address shown, enter the code and sign in there; the session is kept for tenure approve|reject")
    .addOption(intakeOption())
    .action((options: { intake?: string }) => import('./commands/login.ts').then(({ login }) => login(options)));
  examples(login, ['tenure login', 'through the local intake'], ['tenure login --intake https://tenure.example.com', "through another intake, which says where to sign in"]);
  const logout = program
    .command('logout')
    .summary('forget the sign-in')
    .description('forget the sign-in tenure login kept')
    .action(() => import('./commands/login.ts').then(({ logout }) => logout()));
  examples(logout, ['tenure logout', 'before leaving a shared machine']);
}

function mail(program: Command): void {
  const group = program.command('mail').summary('mail list: what the mail catcher received').description('show the messages the local mail catcher received');
  const list = group
    .command('list')
    .description('every message the mail catcher received, oldest first')
    .option('--url <url>', "the mail catcher's base URL (default: http://127.0.0.1:MAIL_HTTP_PORT, 8025)")
    .option('--json', 'print the messages as JSON')
    .action((options: { url?: string; json?: boolean }) => import('./commands/mail.ts').then(({ run }) => run(options)));
  examples(list, ['tenure mail list', 'the welcome mail, with the temporary password'], ['tenure mail list --json --url http://127.0.0.1:9025', 'another catcher, as JSON']);
}

function oktaEmulator(program: Command): void {
  const command = program
    .command('okta-emulator')
    .description('run the bundled Okta emulator alone')
    .option('--port <port>', 'port to listen on (default: OKTA_EMULATOR_PORT, 8090; 0 picks a free one)')
    .option('--host <host>', 'interface to listen on (default: 127.0.0.1)')
    .option('--token <token>', 'the SSWS API token it accepts (default: OKTA_EMULATOR_TOKEN, else tenure-sandbox-token)')
    .option('--admin', 'serve the admin API (/emulator/v1: faults, reset, seed)')
    .option('--seed <file.json>', 'users and groups to load at start, unless --state holds a saved org')
    .option('--state <file.json>', 'save the org as it changes, and restore it at start')
    .option('--oauth-clients <file.json>', 'service apps that may get OAuth 2.0 tokens (private_key_jwt)')
    .action((options: OktaEmulatorOptions) => import('./commands/okta-emulator.ts').then(({ run }) => run(options)));
  examples(
    command,
    ['tenure okta-emulator --port 8090 --token sandbox-token --admin', 'an empty org, with the admin API'],
    ['tenure okta-emulator --host 0.0.0.0 --seed seed.json --state .data/okta-org.json', 'seeded once, kept across restarts'],
    ['tenure okta-emulator --oauth-clients oauth-clients.json', 'for a Tenure configured with a service app'],
  );
}

function validate(program: Command): void {
  const command = program
    .command('validate')
    .summary('check policies, targets and templates')
    .description('check policies, the targets document and templates, and ask each SCIM target what it can do; lists every problem as file:line:column')
    .argument('[paths...]', 'policy files or folders (default: the policy folder)')
    .addOption(policiesOption())
    .addOption(templatesOption())
    .option('--offline', 'check the files only, without asking the SCIM targets what they support (groups, PATCH)')
    .action((paths: string[], options: { policies?: string; templates?: string; offline?: boolean }) => import('./commands/validate.ts').then(({ run }) => run(paths, options)));
  examples(
    command,
    ['tenure validate', 'the policies Tenure runs'],
    ['tenure validate policies/employees.yaml --templates templates', 'one file, against a template folder'],
    ['tenure validate --policies ../hr-policies', 'another folder'],
    ['tenure validate --offline', 'without reaching the SCIM applications (CI, a laptop offline)'],
  );
}

/** A dry run plans one change (--old/--new) or a whole export (--snapshot/--previous), never half of one. */
function planUsageProblem(options: PlanOptions): string | undefined {
  if (options.snapshot !== undefined || options.previous !== undefined) {
    if (options.old !== undefined || options.new !== undefined || options.removed) return '--snapshot/--previous plan a whole export; --old/--new/--removed plan one change: use one pair';
    if (options.live) return '--live reads the accounts of one person: use it with --old/--new, not a whole export';
    if (options.snapshot === undefined) return '--previous needs --snapshot (the export now)';
    if (options.previous === undefined) return '--snapshot needs --previous (the export before; an empty CSV with the header row for a first load)';
    return undefined;
  }
  if (options.removed && options.new !== undefined) return '--removed means there is no record after the change: drop --new';
  if (options.removed && options.old === undefined) return '--removed needs --old (the record HR no longer lists)';
  if (options.old !== undefined && options.new === undefined && !options.removed) {
    return '--old needs --new (the record after the change), or --removed for a person HR no longer lists';
  }
  if (options.old === undefined && options.new === undefined) return 'plan needs --new (and --old for a change to a known person), or --snapshot and --previous';
  return undefined;
}

function plan(program: Command): void {
  const command = program
    .command('plan')
    .summary('dry run of one change or a whole HR export')
    .description('dry run: the steps the policies plan for one change, or for a whole HR export; nothing is done')
    .option('--old <file.json>', 'the record before the change (an HR event or a bare record); leave out for a joiner')
    .option('--new <file.json>', 'the record after the change')
    .option('--removed', 'the person is gone from HR (as a row missing from an export): plan --old against no record')
    .option('--snapshot <now.csv>', 'an HR export: plan every row that differs from --previous')
    .option('--previous <before.csv>', 'the export before --snapshot (an empty CSV with the header row for a first load)')
    .option('--now <iso>', 'the moment to plan at, for effective dates and date triggers (default: now)')
    .option('--source <name>', "the records' source (default: the policies' only source, else hr)")
    .option('--json', 'print the plan as JSON, as the workflow records it')
    .option('--live', "read each step's target (Okta, the SCIM applications) and show what would really change; nothing is written")
    .addOption(policiesOption())
    .addOption(templatesOption())
    .action(function (this: Command, options: PlanOptions) {
      const problem = planUsageProblem(options);
      if (problem) this.error(`tenure plan: ${problem}`, { code: 'tenure.usage', exitCode: 2 });
      return import('./commands/plan.ts').then(({ run }) => run(options));
    });
  examples(
    command,
    ['tenure plan --old examples/joiner.json --new examples/leaver.json', 'a leaver reported by HR'],
    ['tenure plan --new examples/joiner.json --now 2026-11-24T09:00:00Z --json', 'a joiner, planned at a fixed moment, as JSON'],
    ['tenure plan --old examples/joiner.json --removed', 'a person missing from the next export'],
    ['tenure plan --snapshot today.csv --previous yesterday.csv --source hr', 'a whole export'],
    ['tenure plan --old examples/joiner.json --new examples/leaver.json --live', 'what the leaver would change in Okta and each SCIM application today'],
    ['tenure plan --new b.json --policies ../hr-policies --templates ../hr-templates', 'policies under review'],
  );
}

function policyTests(program: Command): void {
  const command = program
    .command('test')
    .description('run the policy tests (policies/*.test.yaml)')
    .addOption(policiesOption())
    .addOption(templatesOption())
    .action((options: { policies?: string; templates?: string }) => import('./commands/test.ts').then(({ run }) => run(options)));
  examples(command, ['tenure test', "the policies' own tests"], ['tenure test --policies ../hr-policies --templates ../hr-templates', 'policies under review']);
}

function schema(program: Command): void {
  const command = program
    .command('schema')
    .description('print the policy JSON Schema')
    .option('--write', "refresh policies/policy.schema.json and the README's policy reference instead")
    .action((options: { write?: boolean }) => import('./commands/schema.ts').then(({ run }) => run(options)));
  examples(command, ['tenure schema > policy.schema.json', 'for an editor'], ['tenure schema --write', 'after changing the policy schema']);
}

function scim(program: Command): void {
  const group = program
    .command('scim')
    .summary('SCIM integrations: add, list, disable, enable, rotate, retry, remove')
    .description("manage the SCIM 2.0 endpoints Okta provisions users and groups into, one per integration (each with its own bearer token)");
  const intakeUrlOption = () => new Option('--intake-url <url>', 'the intake as Okta reaches it, for the printed base URL (default: the running intake, else http://TENURE_INTAKE_HOST:TENURE_INTAKE_PORT)');
  const run = (action: string) => (nameOrOptions: unknown, maybeOptions?: unknown) => {
    const [name, options] = typeof nameOrOptions === 'string' ? [nameOrOptions, maybeOptions] : [undefined, nameOrOptions];
    return import('./commands/scim.ts').then((module) => module.run(action as import('./commands/scim.ts').ScimAction, name, (options ?? {}) as import('./commands/scim.ts').ScimCommandOptions));
  };
  const add = group
    .command('add')
    .description('create an integration; prints its SCIM base URL and its bearer token, shown this once')
    .argument('<name>', 'lower-case letters, digits and dashes: the endpoint /scim/v2/<name> and the policy source scim/<name>')
    .option('--json', 'print the integration, base URL and token as JSON')
    .addOption(intakeUrlOption())
    .action(run('add'));
  examples(add, ['tenure scim add okta', 'an endpoint for an Okta app; paste the URL and token into Okta'], ['tenure scim add okta-eu --json --intake-url https://tenure.example.com', 'behind a proxy, for a script']);
  const list = group
    .command('list')
    .description('every integration: name, state, creation time and base URL')
    .option('--json', 'print them as JSON')
    .addOption(intakeUrlOption())
    .action(run('list'));
  examples(list, ['tenure scim list', 'what Okta apps may provision'], ['tenure scim list --json --intake-url https://tenure.example.com', 'as JSON, with public URLs']);
  for (const [action, description, what] of [
    ['disable', 'refuse every request to an integration (401) until it is enabled again', 'stop Okta provisioning into it'],
    ['enable', 'accept requests to a disabled integration again', 'let Okta provision again'],
    ['retry', "send an integration's set-aside changes (those Temporal refused) to Temporal again, once the cause is put right: each person's current record, never an older one", 'after raising the payload limit'],
    ['remove', "delete an integration with its users and groups: each of its users becomes a leaver of scim/<name>, as if deleted (their identities' history stays in Temporal)", 'retire it, offboarding whom it provisioned'],
  ] as const) {
    const command = group.command(action).description(description).argument('<name>', 'the integration').action(run(action));
    examples(command, [`tenure scim ${action} okta`, what]);
  }
  const rotate = group
    .command('rotate')
    .description('give an integration a new bearer token, shown this once; the old one stops working at once')
    .argument('<name>', 'the integration')
    .option('--json', 'print the integration, base URL and new token as JSON')
    .addOption(intakeUrlOption())
    .action(run('rotate'));
  examples(rotate, ['tenure scim rotate okta', 'then paste the new token into Okta'], ['tenure scim rotate okta --json --intake-url https://tenure.example.com', 'for a script']);
}

function sandbox(program: Command): void {
  const group = program
    .command('sandbox')
    .summary("sandbox assign/unassign: act in the emulated Okta org as its admin would")
    .description("act in the sandbox's emulated Okta org as an Okta admin would in the Admin Console; the emulator then pushes the change to Tenure by SCIM");
  const urlOption = () => new Option('--url <url>', "the emulator's base URL (default: http://127.0.0.1:OKTA_EMULATOR_PORT, 8090)");
  for (const [action, description, example] of [
    ['assign', "assign a person to the emulated org's Tenure app; Okta pushes them to Tenure (a joiner of scim/okta) and this prints their identity", 'Okta pushes Kwame to Tenure'],
    ['unassign', 'unassign a person from the Tenure app; Okta pushes active=false (a leaver of scim/okta)', 'a leaver of scim/okta'],
  ] as const) {
    const command = group
      .command(action)
      .description(description)
      .argument('<login>', "the person's Okta login")
      .addOption(urlOption())
      .action((login: string, options: { url?: string }) => import('./commands/sandbox.ts').then(({ run }) => run(action, login, options)));
    examples(command, [`tenure sandbox ${action} kwame.mensah@example.com`, example], [`tenure sandbox ${action} ines.duarte@example.com --url http://127.0.0.1:18090`, 'an emulator on another port']);
  }
}

function installTemporal(program: Command): void {
  const command = program
    .command('install-temporal')
    .summary('find or build the Temporal CLI (npm run setup)')
    .description('find the Temporal CLI, or build it with Go into .tools/ (npm run setup)')
    .action(() => import('./commands/install-temporal.ts').then(({ run }) => run()));
  examples(command, ['tenure install-temporal', 'prints where the Temporal CLI is']);
}

/** After a complaint about the command line, each command says where its own help is. */
function pointToHelp(command: Command, path: string): void {
  command.helpCommand(false);
  command.showHelpAfterError(command.commands.length > 0 ? `(${path} --help lists the commands)` : `(${path} --help explains every option, with examples)`);
  for (const sub of command.commands) pointToHelp(sub, `${path} ${sub.name()}`);
}

/** The `tenure` program; `main.ts` runs it. */
export function tenureProgram(): Command {
  const program = new Command('tenure')
    .description('Policy-driven identity lifecycle: HR and Okta changes drive Temporal workflows that act on Okta.')
    .usage('<command> [options]')
    .helpCommand(false)
    // Set before the commands are added, so that each inherits them: main.ts decides the exit code,
    // and every complaint about the command line reads as tenure's, followed by where help is.
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'tenure: ')) })
    .showSuggestionAfterError()
    .addHelpText('after', '\nEach command explains its options and shows examples: tenure <command> --help');
  const approve = (on: Command) => decision(on, 'approve', 'let a step waiting for approval run', 'let a step that waits for approval run (a DELETE_IDENTITY, held deprovisionings, a held import)', 'let it run now');
  const reject = (on: Command) => decision(on, 'reject', 'drop a step waiting for approval', 'drop a step that waits for approval, and the rest of its workflow', 'drop it');
  for (const add of [start, hr, status, signIn, approve, reject, mail, plan, validate, policyTests, schema, scim, sandbox, oktaEmulator, installTemporal]) add(program);
  pointToHelp(program, 'tenure');
  return program;
}
