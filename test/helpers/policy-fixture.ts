import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes policy and template files into a fresh folder, as an administrator would. */
export async function policyFixture(files: { policies: Record<string, string>; templates?: Record<string, string> }) {
  const root = await mkdtemp(path.join(tmpdir(), 'tenure-policy-'));
  const policiesDir = path.join(root, 'policies');
  const templatesDir = path.join(root, 'templates');
  await mkdir(policiesDir);
  await mkdir(templatesDir);
  for (const [name, text] of Object.entries(files.policies)) await writeFile(path.join(policiesDir, name), text);
  for (const [name, text] of Object.entries(files.templates ?? {})) await writeFile(path.join(templatesDir, name), text);
  return { policiesDir, templatesDir };
}

/**
 * A test policy of a SCIM source, keyed by the SCIM id and inactive on `active: false` as Okta's
 * pushes say it; `attributes` and `moverAttributes` are YAML lists, `workflows` the YAML under
 * `workflows:`.
 */
export function scimPolicy(options: { name: string; source: string; attributes: string; moverAttributes?: string; workflows: string }): string {
  return `apiVersion: tenure/v1
kind: LifecyclePolicy
metadata:
  name: ${options.name}
source: ${options.source}
identity:
  key: id
  attributes: ${options.attributes}
${options.moverAttributes ? `  moverAttributes: ${options.moverAttributes}\n` : ''}  inactive: active eq false
workflows:
${options.workflows}`;
}

/** The joiner's SYNC_IDENTITIES of most test policies: an Okta user whose login is the person's name, as a step of `actions:`. */
export const createOktaUserStep = `      - action: SYNC_IDENTITIES
        create: true
        attributes:
          login: '{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"'
          email: '{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"'
          first_name: '{first_name}'
          last_name: '{last_name}'
`;

/**
 * A test policy of the HR source keyed by employee_id and inactive when terminated; `attributes`
 * and `moverAttributes` are YAML lists, `workflows` the YAML under `workflows:` (a leading newline
 * dropped, so that a policy's lines keep their numbers in error messages).
 */
export function hrPolicy(options: { name: string; attributes: string; moverAttributes?: string; workflows: string }): string {
  return `apiVersion: tenure/v1
kind: LifecyclePolicy
metadata:
  name: ${options.name}
source: hr
identity:
  key: employee_id
  attributes: ${options.attributes}
${options.moverAttributes ? `  moverAttributes: ${options.moverAttributes}\n` : ''}  inactive: status eq "terminated"
workflows:
${options.workflows.replace(/^\n/, '')}`;
}

export const welcomeTemplate = `subject: 'Welcome <<first_name>>'\ntext: 'Your login is <<okta.login>>'\n`;

export const validPolicy = hrPolicy({ name: 'employees', attributes: '[employee_id, first_name, last_name, department, manager_email, status]', moverAttributes: '[department]', workflows: `
  - name: joiner
    on: joiner
    actions:
${createOktaUserStep}      - action: MANAGE_RELATIONSHIPS
        add: ['staff', 'dept-{department | LOWER}']
      - action: NOTIFY
        template: welcome
        to: '{manager_email}'
  - name: leaver
    on: leaver
    actions:
      - action: DEPROVISION_IDENTITY
` });
