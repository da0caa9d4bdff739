import { z } from 'zod';
import { DEFAULT_TARGET } from '../targets/actions.ts';
import { SCIM_ATTRIBUTES } from '../targets/scim/attributes.ts';
import { SOURCE_NAME } from './source-name.ts';

/**
 * The policy language. This file is the single source of truth: the TypeScript types, the
 * loader's validation, `policies/policy.schema.json` (for editors) and the README's policy
 * reference are all derived from it. Every `.describe()` text appears in that reference.
 */

/**
 * A value as it arrives from a source of identity. A list of strings is a multi-valued attribute,
 * such as the `groups` of a SCIM source; conditions, transformers and the classifier say what they
 * make of one (see the README's "Lists").
 */
export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
export type AttributeValue = z.infer<typeof AttributeValue>;
export const IdentityRecord = z.record(z.string(), AttributeValue);
export type IdentityRecord = z.infer<typeof IdentityRecord>;

/** A name policies and targets are known by: lower-case letters, digits and dashes. */
export const nameField = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes')
    .describe(what);

/** A transformer pipeline; the loader compiles it and reports its problems. */
const Formatter = z
  .string()
  .min(1, 'must not be empty')
  .describe(
    'A transformer: `{attribute}` insertions and `| FUNCTION,args` pipelines, e.g. `{first_name} | LOWER`. A list attribute inserts its elements joined with ", ", each through the pipeline inside its braces (`{groups | LOWER}`); an empty list is no value.',
  );

/** A condition in SCIM filter syntax; the loader parses it and reports its problems. */
const Condition = z
  .string()
  .min(1, 'must not be empty')
  .describe(
    'A condition in SCIM filter syntax, e.g. `old.department ne new.department and employment_type eq "FTE"`. On a list attribute a comparison holds when any element satisfies it (`groups eq "Engineering"`), `ne` when none equals the value (not a member), `pr` when the list is not empty; two lists are `eq` when they hold the same elements.',
  );

const Duration = z
  .string()
  .regex(/^\d+[smhd]$/, 'write a number and a unit: 30m, 12h, 7d')
  .describe('A duration: a number and one of s, m, h, d.');

/** An attribute's value: a transformer, or a choice between two by a condition. */
export type ValueSpec = string | { if: string; then: ValueSpec; else?: ValueSpec };
const ValueSpec: z.ZodType<ValueSpec> = z.lazy(() =>
  z.union([
    Formatter,
    z
      .strictObject({
        if: Condition,
        then: ValueSpec,
        else: ValueSpec.optional().describe('When absent and the condition is false, the attribute is left out.'),
      })
      .describe('IF/ELSE: `then` when the condition holds, otherwise `else`.'),
  ]),
);

const AttributeSpec = z.union([
  ValueSpec,
  z
    .strictObject({
      value: ValueSpec,
      fallbacks: z
        .array(Formatter)
        .optional()
        .describe("Tried in order when the target says the value is taken (Okta's E0000001, a SCIM application's 409 uniqueness). `{NEXT_NUMBER,start,width}` makes numbered candidates."),
      createOnly: z.boolean().default(false).describe('Set when the user is created, never synced afterwards.'),
    })
    .describe('An attribute with options.'),
]);
export type AttributeSpec = z.infer<typeof AttributeSpec>;

const Notification = z
  .strictObject({
    template: z.string().min(1).describe('A template in `templates/`, by file name without `.yaml`.'),
    to: Formatter.describe('The recipient address, a transformer such as `{manager_email}`.'),
  })
  .describe('An email rendered from a template.');

/**
 * Which system an action acts on. Unset means Okta, so policies written before targets existed
 * read the same; the loader checks that a name given is declared in the targets document.
 */
const target = nameField(
  `The system the action acts on: \`${DEFAULT_TARGET}\` (Tenure's Okta org, the default) or a target declared in the targets document (\`kind: Targets\`) beside the policies.`,
).optional();

const onError = z
  .enum(['stop', 'continue'])
  .default('stop')
  .describe('`stop` ends the workflow at a failed action; `continue` records the failure and goes on.');

const SyncIdentities = z
  .strictObject({
    action: z.literal('SYNC_IDENTITIES'),
    target,
    onError,
    create: z
      .boolean()
      .default(false)
      .describe('Create the account when the identity has none. An Okta user needs login, email, first_name and last_name; a SCIM account needs login (its userName).'),
    attributes: z
      .record(z.string(), AttributeSpec)
      .describe(
        `Attributes by their Veza names (login, email, first_name, last_name, department, title, manager_id …). A SCIM target takes: ${Object.keys(SCIM_ATTRIBUTES).join(', ')}.`,
      ),
  })
  .describe("Creates the account (Okta's user, or a SCIM application's) or updates it. The login never changes after creation.");

const GroupSync = z
  .strictObject({
    prefix: z.string().min(1).describe('The groups this sync manages: those whose name starts with this.'),
    groups: z
      .array(Formatter)
      .describe('The groups, all starting with `prefix`, the identity must be in. Others with the prefix are removed. A list attribute gives one group per element: `app-{groups | LOWER}`.'),
  })
  .describe('Exactly these groups among those matching a prefix.');

const ManageRelationships = z
  .strictObject({
    action: z.literal('MANAGE_RELATIONSHIPS'),
    target,
    onError,
    add: z.array(Formatter).default([]).describe('Groups to add the identity to. A list attribute gives one group per element: `{groups}` is each of them.'),
    remove: z.array(Formatter).default([]).describe('Groups to remove the identity from, one per element of a list attribute as in `add`.'),
    sync: GroupSync.optional(),
  })
  .refine((step) => step.add.length + step.remove.length > 0 || step.sync !== undefined, {
    message: 'needs groups to add or remove, or a sync',
  })
  .describe('Adds and removes group memberships in the target, which must have groups.');

const DeprovisionIdentity = z
  .strictObject({
    action: z.literal('DEPROVISION_IDENTITY'),
    target,
    onError,
    mode: z
      .enum(['deactivate', 'suspend'])
      .default('deactivate')
      .describe('Deactivate the Okta user, or suspend it (reversible by unsuspend). A SCIM account has only `active: false`, which both set.'),
    revokeSessions: z.boolean().default(true).describe("End the user's Okta sessions and revoke its OAuth tokens (Okta only)."),
    removeGroups: z.boolean().default(false).describe('Remove the account from every group it can be removed from; a SCIM target must have groups.'),
    keepAttributes: z.boolean().default(true).describe('Keep the profile as it is, for audit; false clears the synced optional attributes first (Okta only).'),
  })
  .describe('Disables access: deactivates or suspends the account.');

/**
 * Who may decide: people by their Okta login, or members of Okta groups. The identity workflow
 * checks the signed-in person against it before acting on `tenure approve` or `tenure reject`.
 */
export const Approvers = z
  .strictObject({
    people: z.array(z.string().trim().min(1, 'must not be empty')).optional().describe('Okta logins of the people who may approve or reject.'),
    groups: z.array(z.string().trim().min(1, 'must not be empty')).optional().describe('Okta groups, by name, whose members may approve or reject.'),
  })
  .describe(
    'Who may decide, checked against the person signed in to Tenure: listed in `people`, or a member in Okta of one of `groups`. Unset (or both lists empty), anyone Tenure authenticated may.',
  );
export type Approvers = z.infer<typeof Approvers>;

const DeleteIdentity = z
  .strictObject({
    action: z.literal('DELETE_IDENTITY'),
    target,
    onError,
    approval: Notification.extend({
      to: Notification.shape.to.describe('Who approves.'),
      timeout: Duration.default('7d').describe('Without an answer by then, the deletion is not done.'),
      approvers: Approvers.optional(),
    })
      .optional()
      .describe('Wait for a person to approve before deleting.'),
  })
  .describe('Deletes the account for good (an Okta user is deactivated first).');

const CreateEntitlement = z
  .strictObject({
    action: z.literal('CREATE_ENTITLEMENT'),
    target,
    onError,
    name: Formatter.describe('The group name: one group, so a list attribute in it is joined with ", ".'),
    description: Formatter.optional().describe('The group description.'),
    assign: z.boolean().default(false).describe('Also add the identity to the group.'),
  })
  .describe('Creates a group in the target unless it exists; the target must have groups.');

const ResetPassword = z
  .strictObject({
    action: z.literal('RESET_PASSWORD'),
    target: target.describe(`Only \`${DEFAULT_TARGET}\`: a SCIM application has no password reset that mails the temporary password.`),
    onError,
    notify: Notification.describe('Where the temporary password goes: the only place `<<LOGIN_PASSWORD>>` may be used.'),
  })
  .describe("Expires the user's password and sends the temporary one Okta generates.");

const Notify = z
  .strictObject({
    action: z.literal('NOTIFY'),
    onError,
    template: Notification.shape.template,
    to: Notification.shape.to,
  })
  .describe('Sends an email.');

export const actionKinds = [
  SyncIdentities,
  ManageRelationships,
  DeprovisionIdentity,
  DeleteIdentity,
  CreateEntitlement,
  ResetPassword,
  Notify,
] as const;
export const Action = z.discriminatedUnion('action', actionKinds);
export type Action = z.infer<typeof Action>;
export type ActionName = Action['action'];

export const lifecycleEvents = ['joiner', 'mover', 'leaver', 'rehire', 'update'] as const;
export const LifecycleEvent = z.enum(lifecycleEvents);
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;

const DateTrigger = z
  .strictObject({
    date: z.string().min(1).describe('A date attribute of the record, e.g. start_date.'),
    days: z.number().int().describe('Days after the date (negative: before). `-7` with `start_date` is a pre-hire trigger.'),
    at: z
      .string()
      .regex(/^\d\d:\d\d(:\d\d)?$/, 'write a time of day as HH:MM or HH:MM:SS')
      .default('09:00')
      .describe('Time of day, UTC.'),
  })
  .describe('Runs at a moment relative to a date attribute, evaluated against the record current then.');

const Trigger = z.union([LifecycleEvent, z.array(LifecycleEvent).min(1), DateTrigger]);
export type Trigger = z.infer<typeof Trigger>;

const PolicyWorkflow = z.strictObject({
  name: nameField('The workflow name, unique in the policy.'),
  on: Trigger.describe('A lifecycle event (joiner, mover, leaver, rehire, update), a list of them, or a date trigger.'),
  when: Condition.optional().describe('The workflow runs only when this holds. `old.` and `new.` reach both sides of the change.'),
  effective: Formatter.optional().describe(
    'When the actions take effect, e.g. `{termination_date}T17:00:00Z`. Until then they wait; a change that reverses the lifecycle cancels them.',
  ),
  onFailure: Notification.optional().describe('Sent when an action of this workflow fails for good.'),
  actions: z.array(Action).min(1, 'needs at least one action'),
});
export type PolicyWorkflow = z.infer<typeof PolicyWorkflow>;

export const Policy = z
  .strictObject({
    apiVersion: z.literal('tenure/v1'),
    kind: z.literal('LifecyclePolicy').describe('`LifecyclePolicy`; the policy folder may also hold one targets document, of `kind: Targets`.'),
    metadata: z.strictObject({
      name: nameField('The policy name, unique in the policy set.'),
      description: z.string().optional(),
    }),
    source: z
      .string()
      .regex(SOURCE_NAME, 'use lower-case letters, digits and dashes (hr, okta), or scim/ and a SCIM integration\'s name (scim/okta)')
      .describe(
        'The source of identity whose changes this policy handles: `hr`, `okta`, or `scim/NAME` for what the SCIM integration NAME (`tenure scim add NAME`) receives.',
      ),
    identity: z.strictObject({
      key: z.string().min(1).describe("The attribute that identifies an identity in the source, e.g. employee_id."),
      attributes: z
        .array(z.string().min(1))
        .min(1)
        .describe('Every attribute the source sends. Transformers, conditions and templates may use only these, so a misspelling is caught here.'),
      moverAttributes: z
        .array(z.string())
        .default([])
        .describe('Attributes whose change makes a mover rather than an update. A list changes when an element comes or goes; its order does not count.'),
      inactive: Condition.describe('When this holds for a record, the identity is inactive: it left, or has not started.'),
    }),
    workflows: z.array(PolicyWorkflow).min(1, 'needs at least one workflow'),
  })
  .describe('A Tenure lifecycle policy.');
export type Policy = z.infer<typeof Policy>;

export const Template = z
  .strictObject({
    subject: z.string().min(1),
    text: z.string().min(1),
    html: z.string().optional(),
  })
  .describe('A notification template. `<<…>>` placeholders follow Handlebars.');
export type Template = z.infer<typeof Template>;
