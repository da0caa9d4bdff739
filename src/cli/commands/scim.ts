import { loadConfig } from '../../runtime/config.ts';
import { openIntegrationAdmin, type IntegrationAdmin } from '../../scim/integration-admin.ts';
import type { IntegrationView } from '../../scim/integrations.ts';
import { table } from '../table.ts';

export type ScimAction = 'add' | 'list' | 'enable' | 'disable' | 'rotate' | 'remove' | 'retry';

export interface ScimCommandOptions {
  json?: boolean;
  /** The intake's address as SCIM clients reach it, for the printed base URL. */
  intakeUrl?: string;
}

/** The address Okta should call: given, else the running intake's, else the configured one. */
function intakeAddress(admin: IntegrationAdmin, given: string | undefined): string {
  if (given) return given.replace(/\/+$/, '');
  if (admin.intakeUrl) return admin.intakeUrl;
  const config = loadConfig();
  const host = config.intakeHost === '0.0.0.0' ? '127.0.0.1' : config.intakeHost;
  return `http://${host}:${config.intakePort}`;
}

const baseUrlOf = (intake: string, name: string) => `${intake}/scim/v2/${name}`;

function printToken(admin: IntegrationAdmin, options: ScimCommandOptions, integration: IntegrationView, token: string, what: string): void {
  const baseUrl = baseUrlOf(intakeAddress(admin, options.intakeUrl), integration.name);
  if (options.json) {
    console.log(JSON.stringify({ ...integration, baseUrl, token }, null, 2));
    return;
  }
  console.log(`${what}\n`);
  console.log(table([['SCIM base URL', baseUrl], ['Bearer token', token]], '  '));
  console.log('\nThe token is shown this once: Tenure keeps only its SHA-256. In Okta, put both in the app\'s');
  console.log('Provisioning > Integration (Authentication Mode: HTTP Header, Authorization: Bearer <token>).');
}

export async function run(action: ScimAction, name: string | undefined, options: ScimCommandOptions): Promise<void> {
  const config = loadConfig();
  const admin = await openIntegrationAdmin({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    switch (action) {
      case 'add': {
        const { integration, token } = await admin.add(name!);
        printToken(admin, options, integration, token, `Integration "${integration.name}" added.`);
        return;
      }
      case 'rotate': {
        const { integration, token } = await admin.rotate(name!);
        printToken(admin, options, integration, token, `Integration "${integration.name}" has a new token; the old one no longer works.`);
        return;
      }
      case 'list': {
        const integrations = await admin.list();
        const intake = intakeAddress(admin, options.intakeUrl);
        if (options.json) {
          console.log(JSON.stringify(integrations.map((integration) => ({ ...integration, baseUrl: baseUrlOf(intake, integration.name) })), null, 2));
        } else if (integrations.length === 0) {
          console.log('No SCIM integrations yet: add one with `tenure scim add NAME`.');
        } else {
          const rows = integrations.map((integration) => [integration.name, integration.enabled ? 'enabled' : 'disabled', integration.createdAt, baseUrlOf(intake, integration.name)]);
          console.log(table([['NAME', 'STATE', 'CREATED', 'BASE URL'], ...rows]));
          for (const { name: integration, undeliverableChanges } of integrations) {
            if (undeliverableChanges) console.log(`\n${undeliverableChanges} change(s) of scim/${integration} could not be delivered to Temporal and were set aside; the intake's log says why. Once that is put right: tenure scim retry ${integration}`);
          }
        }
        return;
      }
      case 'enable':
      case 'disable': {
        const integration = await admin.setEnabled(name!, action === 'enable');
        console.log(
          integration.enabled
            ? `Integration "${integration.name}" is enabled: its token works again.`
            : `Integration "${integration.name}" is disabled: every request to it is refused with 401 until \`tenure scim enable ${integration.name}\`.`,
        );
        return;
      }
      case 'remove':
        const { leavers } = await admin.remove(name!);
        console.log(
          `Integration "${name}" removed, with its users and groups: ${leavers} ${leavers === 1 ? 'person is a leaver' : 'people are leavers'} of scim/${name}, ` +
            "as if each were deleted (the mass-change guard holds a burst). Their identities' history stays in Temporal.",
        );
        return;
      case 'retry': {
        const { resent } = await admin.retry(name!);
        console.log(`scim/${name}: the set-aside changes of ${resent} ${resent === 1 ? 'person go' : 'people go'} to Temporal again, each as the person's current record.`);
        return;
      }
    }
  } finally {
    await admin.close();
  }
}
