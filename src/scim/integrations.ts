import { SCIM_INTEGRATION_NAME } from '../policy/source-name.ts';
import type { Integration, ScimDirectory } from './directory/types.ts';
import { newToken, tokenHash } from './token.ts';

/**
 * Managing integrations (`tenure scim …`, or the intake's admin route that runs the same code):
 * each is an endpoint of its own with its own token, shown once.
 */

/** Becomes a URL segment and the policy source `scim/<name>`, whose names are lower-case words with dashes. */
const NAME = SCIM_INTEGRATION_NAME;

export class IntegrationError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'IntegrationError';
  }
}

/** Whether `name` could name an integration; anything else names none, without asking the database. */
export const isIntegrationName = (name: string) => NAME.test(name);

export function checkIntegrationName(name: string): void {
  if (!isIntegrationName(name)) throw new IntegrationError(400, `"${name}" is not an integration name: use lower-case letters, digits and dashes, starting with a letter (it becomes /scim/v2/<name> and the policy source scim/<name>)`);
}

/** What a person sees of an integration: never its token's hash. */
export interface IntegrationView {
  name: string;
  enabled: boolean;
  createdAt: string;
  /** Changes Temporal refused for good (say, a record over its payload limit), set aside so later ones flow; listed only. */
  undeliverableChanges?: number;
}

const view = ({ name, enabled, createdAt }: Integration): IntegrationView => ({ name, enabled, createdAt });

export async function addIntegration(directory: ScimDirectory, name: string): Promise<{ integration: IntegrationView; token: string }> {
  checkIntegrationName(name);
  if (await directory.getIntegration(name)) throw new IntegrationError(409, `integration "${name}" exists already: rotate its token with \`tenure scim rotate ${name}\``);
  const token = newToken();
  return { integration: view(await directory.createIntegration(name, tokenHash(token))), token };
}

async function existing(directory: ScimDirectory, name: string): Promise<Integration> {
  const integration = await directory.getIntegration(name);
  if (!integration) throw new IntegrationError(404, `no integration "${name}" (\`tenure scim list\` shows them)`);
  return integration;
}

export async function listIntegrations(directory: ScimDirectory): Promise<IntegrationView[]> {
  const [integrations, undeliverable] = await Promise.all([directory.listIntegrations(), directory.undeliverableCounts()]);
  return integrations.map((integration) => ({ ...view(integration), undeliverableChanges: undeliverable.get(integration.name) ?? 0 }));
}

export async function setIntegrationEnabled(directory: ScimDirectory, name: string, enabled: boolean): Promise<IntegrationView> {
  await existing(directory, name);
  return view(await directory.updateIntegration(name, { enabled }));
}

/** A new token; the old one stops working at once. */
export async function rotateIntegration(directory: ScimDirectory, name: string): Promise<{ integration: IntegrationView; token: string }> {
  await existing(directory, name);
  const token = newToken();
  return { integration: view(await directory.updateIntegration(name, { tokenHash: tokenHash(token) })), token };
}

/** Removes it with its users and groups; answers how many users it held, each now a leaver of scim/<name>. */
/** `tenure scim retry`: the integration's set-aside changes go to Temporal again (see retryUndeliverable). */
export async function retryIntegration(directory: ScimDirectory, name: string): Promise<{ resent: number }> {
  await existing(directory, name);
  return directory.retryUndeliverable(name);
}

export async function removeIntegration(directory: ScimDirectory, name: string): Promise<{ leavers: number }> {
  const leavers = await directory.removeIntegration(name);
  if (leavers === undefined) throw new IntegrationError(404, `no integration "${name}" (\`tenure scim list\` shows them)`);
  return { leavers };
}
