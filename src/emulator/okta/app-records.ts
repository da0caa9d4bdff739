import { z } from 'zod';

/**
 * What the emulator keeps of each app, as zod schemas: the one description from which both the
 * records' types and the check of a saved org (persistence.ts) come.
 */

const Status = z.enum(['ENABLED', 'DISABLED']);
const Timestamp = z.string();
const Json = z.record(z.string(), z.unknown());

/**
 * How Okta pushes to the app. `OIN`: the catalogue's "SCIM 2.0 Test App (OAuth Bearer Token)"
 * (`scim2testapp`), which sends PUT for profile updates and PATCH for everything else. `WIZARD`:
 * a custom app built with the App Integration Wizard, which sends PUT for everything.
 */
export const AppKindSchema = z.enum(['OIN', 'WIZARD']);
export type AppKind = z.infer<typeof AppKindSchema>;

/** The USER_PROVISIONING feature's capabilities, in the shape its API reads and writes them. */
export const CapabilitiesSchema = z.object({
  create: z.object({ lifecycleCreate: z.object({ status: Status }) }),
  update: z.object({
    profile: z.object({ status: Status }),
    lifecycleDeactivate: z.object({ status: Status }),
    password: z.object({ status: Status, seed: z.enum(['OKTA', 'RANDOM']), change: z.enum(['CHANGE', 'KEEP_EXISTING']) }),
  }),
});
export type Capabilities = z.infer<typeof CapabilitiesSchema>;

/** The default provisioning connection. The token is kept, as Okta keeps it, and never shown. */
export const ConnectionSchema = z.object({
  baseUrl: z.string(),
  authScheme: z.literal('TOKEN'),
  token: z.string(),
  status: Status,
});
export type Connection = z.infer<typeof ConnectionSchema>;

/** A user the app has been told about: what was last pushed, and the id the app gave them. */
export const AppUserSchema = z.object({
  created: Timestamp,
  lastUpdated: Timestamp,
  statusChanged: Timestamp,
  /** The SCIM id the app returned; null until a push created or found the user. */
  scimId: z.string().nullable(),
  /** Whether the app was last told the user is active. */
  active: z.boolean(),
  /** A digest of the SCIM attributes last pushed, to tell a mapped attribute's change from any other. */
  bodyKey: z.string(),
  /** Why the last push for this user failed, if it did (Okta's provisioning task). */
  lastError: z.string().nullable(),
});
export type AppUser = z.infer<typeof AppUserSchema>;

export const GroupAssignmentSchema = z.object({ priority: z.number().int(), profile: Json, lastUpdated: Timestamp });
export type GroupAssignment = z.infer<typeof GroupAssignmentSchema>;

/** The group in the app a push mapping writes to. */
export const TargetGroupSchema = z.object({ name: z.string(), scimId: z.string().nullable() });
export type TargetGroup = z.infer<typeof TargetGroupSchema>;

export const MappingSchema = z.object({
  id: z.string(),
  sourceGroupId: z.string(),
  targetGroupId: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE', 'ERROR']),
  created: Timestamp,
  lastUpdated: Timestamp,
  lastPush: Timestamp.nullable(),
  errorSummary: z.string(),
  /** What the app was last told of the group; null before the first push. */
  told: z.object({ sourceName: z.string(), name: z.string(), members: z.array(z.string()) }).nullable(),
});
export type Mapping = z.infer<typeof MappingSchema>;

const UserBody = Json;
const userTask = <T extends string>(type: T) =>
  z.object({ id: z.string(), type: z.literal(type), userId: z.string(), user: UserBody });

/**
 * One provisioning task: the SCIM calls it stands for are decided when it runs (by the app's kind
 * and what the app answers), from what Okta knew when it was queued. Members are Okta user ids,
 * turned into SCIM ids when the task runs, after the tasks that created those users.
 */
export const PushTaskSchema = z.discriminatedUnion('type', [
  userTask('user.assign'),
  userTask('user.update'),
  userTask('user.deactivate'),
  z.object({ id: z.string(), type: z.literal('group.create'), targetGroupId: z.string(), name: z.string(), members: z.array(z.string()) }),
  z.object({
    id: z.string(),
    type: z.literal('group.members'),
    targetGroupId: z.string(),
    name: z.string(),
    add: z.array(z.string()),
    remove: z.array(z.string()),
    members: z.array(z.string()),
  }),
  z.object({ id: z.string(), type: z.literal('group.rename'), targetGroupId: z.string(), name: z.string(), members: z.array(z.string()) }),
  z.object({ id: z.string(), type: z.literal('group.delete'), targetGroupId: z.string() }),
]);
export type PushTask = z.infer<typeof PushTaskSchema>;
export type UserTask = Extract<PushTask, { userId: string }>;

export const AppRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  label: z.string(),
  kind: AppKindSchema,
  signOnMode: z.string(),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  created: Timestamp,
  lastUpdated: Timestamp,
  /** The app's own settings, visibility and accessibility, kept as given. */
  settings: Json,
  visibility: Json,
  accessibility: Json,
  connection: ConnectionSchema.nullable(),
  capabilities: CapabilitiesSchema,
  /** Users assigned directly, by id, with when. */
  directUsers: z.record(z.string(), z.object({ created: Timestamp })),
  /** Groups assigned, by id: their members are assigned too. */
  groups: z.record(z.string(), GroupAssignmentSchema),
  /** Users the app has been told about, by Okta id. */
  appUsers: z.record(z.string(), AppUserSchema),
  mappings: z.record(z.string(), MappingSchema),
  targetGroups: z.record(z.string(), TargetGroupSchema),
  /** The pushes not yet done, oldest first; the first may be under way. */
  queue: z.array(PushTaskSchema),
});
export type AppRecord = z.infer<typeof AppRecordSchema>;

export const AppsSnapshotSchema = z.object({ apps: z.array(AppRecordSchema) });
export type AppsSnapshot = z.infer<typeof AppsSnapshotSchema>;
