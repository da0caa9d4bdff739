import { z } from 'zod';

/** A value as it arrives from a source of identity. */
export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type AttributeValue = z.infer<typeof AttributeValue>;
export const IdentityRecord = z.record(z.string(), AttributeValue);
export type IdentityRecord = z.infer<typeof IdentityRecord>;

/** A transformer pipeline such as `{first_name}.{last_name} | ASCII | LOWER`; checked by the loader. */
const Formatter = z.string().min(1, 'must not be empty');

const SyncIdentities = z.strictObject({
  action: z.literal('SYNC_IDENTITIES'),
  create: z.boolean().default(false),
  attributes: z.record(z.string(), Formatter),
});

const ManageRelationships = z
  .strictObject({
    action: z.literal('MANAGE_RELATIONSHIPS'),
    add: z.array(Formatter).default([]),
    remove: z.array(Formatter).default([]),
  })
  .refine((step) => step.add.length + step.remove.length > 0, { message: 'needs at least one group to add or remove' });

const DeprovisionIdentity = z.strictObject({
  action: z.literal('DEPROVISION_IDENTITY'),
});

const Notify = z.strictObject({
  action: z.literal('NOTIFY'),
  template: z.string().min(1),
  to: Formatter,
});

export const Action = z.discriminatedUnion('action', [SyncIdentities, ManageRelationships, DeprovisionIdentity, Notify]);
export type Action = z.infer<typeof Action>;

const LifecycleEvent = z.enum(['joiner', 'mover', 'leaver', 'rehire', 'update']);

const PolicyWorkflow = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  on: LifecycleEvent,
  actions: z.array(Action).min(1, 'needs at least one action'),
});

export const Policy = z.strictObject({
  apiVersion: z.literal('tenure/v1'),
  kind: z.literal('LifecyclePolicy'),
  metadata: z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    description: z.string().optional(),
  }),
  source: z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  identity: z.strictObject({
    key: z.string().min(1),
    /** Attributes whose change makes a mover rather than a plain update. */
    moverAttributes: z.array(z.string()).default([]),
    /** An identity whose attribute holds one of these values is inactive: it left, or has not started. */
    inactive: z.strictObject({
      attribute: z.string().min(1),
      values: z.array(z.string()).min(1),
    }),
  }),
  workflows: z.array(PolicyWorkflow).min(1, 'needs at least one workflow'),
});
export type Policy = z.infer<typeof Policy>;

export const Template = z.strictObject({
  subject: z.string().min(1),
  text: z.string().min(1),
  html: z.string().optional(),
});
export type Template = z.infer<typeof Template>;
