import { loadConfig } from '../../runtime/config.ts';
import { resolveLeftoverDevServer } from '../../runtime/leftover.ts';
import { SANDBOX_APP_LABEL } from '../../runtime/sandbox-scim.ts';
import { roles, startTenure, type Role, type TenureStack } from '../../runtime/stack.ts';
import { SANDBOX_SCIM_TOKEN } from '../../targets/sandbox-address.ts';
import { stopRequest } from '../../runtime/stop-request.ts';

export async function run(options: { role: string; stopLeftover?: boolean }): Promise<void> {
  const role = options.role as Role;
  if (!roles.includes(role)) throw new Error(`--role must be one of ${roles.join(', ')}, got "${options.role}"`);
  const config = loadConfig();
  const stopping = stopRequest();
  const log = (line: string) => {
    if (stopping.outputOpen()) console.log(line);
  };
  if (!config.temporalAddress) await resolveLeftoverDevServer(config.dataDir, options.stopLeftover ?? false, log);
  if (!config.okta && role !== 'intake') {
    log('SANDBOX MODE: OKTA_ORG_URL is not set, so Tenure acts on its bundled Okta emulator, not on a real Okta org.');
  }
  const stack = await startTenure(config, { role, log });
  const rows: Array<[string, string | undefined]> = [
    ['Temporal UI', stack.temporalUiUrl ?? (config.temporalAddress ? `(the UI of the cluster at ${stack.temporalAddress})` : undefined)],
    ['Temporal', stack.temporalAddress],
    ['HR intake', stack.intakeUrl && `${stack.intakeUrl}/hooks/hr`],
    ['Okta hook', stack.intakeUrl && config.oktaHookSecret ? `${stack.intakeUrl}/hooks/okta${stack.oktaEmulator ? `  (Authorization: ${config.oktaHookSecret})` : ''}` : undefined],
    [
      'SCIM',
      stack.sandboxScim
        ? `${stack.sandboxScim.baseUrl}  (the emulated org's app "${SANDBOX_APP_LABEL}" pushes here: npx tenure sandbox assign <login>)`
        : stack.intakeUrl && `${stack.intakeUrl}/scim/v2/<integration>  (npx tenure scim add <integration>)`,
    ],
    ['Okta', stack.oktaUrl && `${stack.oktaUrl}${stack.oktaEmulator ? `  (emulator; Authorization: SSWS ${config.oktaEmulatorToken})` : ''}`],
    [
      'SCIM apps',
      stack.scimApps && `${stack.scimApps.url}/<app>/scim/v2 for ${emulatedApps(stack).join(', ')}  (emulated targets; Authorization: Bearer ${SANDBOX_SCIM_TOKEN})`,
    ],
    ['Targets', role !== 'intake' ? ['okta', ...stack.policySet.targets.keys()].join(', ') : undefined],
    ['Mailbox', stack.mailCatcher ? `${stack.mailCatcher.httpUrl}/messages  (SMTP ${stack.mailCatcher.smtpUrl})` : config.smtpUrl && '(sending to SMTP_URL)'],
    ['Policies', `${config.policiesDir} (hash ${stack.policySet.hash})`],
  ];
  log(['', `Tenure is running (role: ${role}).`, ...rows.filter(([, value]) => value).map(([name, value]) => `  ${name.padEnd(13)}${value}`), ''].join('\n'));
  if (stack.intakeUrl) log('Send the sample joiner:  npx tenure hr send examples/joiner.json');
  log('Press Ctrl-C to stop.');

  await stopping.requested;
  log('Stopping Tenure…');
  await stack.stop();
  log('Stopped.');
}

/** The applications the sandbox emulates: the targets document's `sandbox:` names. */
function emulatedApps(stack: TenureStack): string[] {
  return [...new Set([...stack.policySet.targets.values()].flatMap(({ definition }) => (definition.sandbox ? [definition.sandbox] : [])))];
}
