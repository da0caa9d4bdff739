import type {
  ActionFields,
  CreateEntitlementAction,
  DeprovisionIdentityAction,
  ManageRelationshipsAction,
  SyncIdentitiesAction,
} from './actions.ts';

/**
 * The target seam: every action on an account runs through one of these, whatever the system
 * (Okta, a SCIM 2.0 application). Each operation is idempotent by desired state: run twice, or
 * retried after an answer was lost, it leaves the account as once. Failures follow one convention
 * (errors.ts): passing ones (rate limit, 5xx, network, refused credential) are retryable
 * ApplicationFailures, final ones are non-retryable and carry the system's own words.
 *
 * `accountId` is the target's id of the identity's account (an Okta user id, a SCIM resource id);
 * `key` is the identity's key, which each target stores with the account (Okta's employeeNumber,
 * SCIM's externalId) so that a retried create recognises the account it made.
 */
export type TargetKind = 'okta' | 'scim';

export interface SyncIdentityInput extends ActionFields<SyncIdentitiesAction> {
  key: string;
  accountId: string | undefined;
  /** A rehire: bring back a deactivated account before updating it. */
  reactivate: boolean;
  /** Groups a deprovisioning removed, which a rehire gives back. */
  restoreGroups: string[];
}

export interface SyncIdentityResult {
  accountId: string;
  created: boolean;
  /** The attributes written, by the target's names. */
  changed: string[];
  /** What the target holds now for the attributes synced, by the policy's names: the login really given. */
  profile: Record<string, string>;
  /** The account's status as the target says it (Okta's ACTIVE, DEPROVISIONED …; SCIM's active/inactive). */
  status: string;
  restored: string[];
}

/**
 * The account an operation acts on: by the id the workflow holds, else (a SCIM account Tenure made
 * in an earlier run whose id it no longer holds) by the identity key the account carries.
 */
export interface AccountOf {
  key: string;
  accountId: string | undefined;
}

export interface ManageRelationshipsInput extends ActionFields<ManageRelationshipsAction>, AccountOf {}

export interface DeprovisionIdentityInput extends ActionFields<DeprovisionIdentityAction>, AccountOf {
  /** When the target is also the source that reported the change: the status it reported, which the account must still have. */
  onlyIfStatus?: string;
}

export interface DeleteIdentityInput extends AccountOf {
  onlyIfStatus?: string;
}

/** The account is needed with `assign` only. */
export interface CreateEntitlementInput extends ActionFields<CreateEntitlementAction>, AccountOf {}

/** An account as a target holds it, for `tenure plan --live`. */
export interface AccountSnapshot {
  accountId: string;
  active: boolean;
  /** By the policy's attribute names, for the attributes asked. */
  profile: Record<string, string>;
  groups: string[];
}

/** What a target says it can do; a policy that needs more fails validation. */
export interface TargetCapabilities {
  groups: boolean;
  patch: boolean;
}

export interface Target {
  readonly name: string;
  readonly kind: TargetKind;
  /** Creates the account when allowed, else changes only what differs; a rehire reactivates and restores groups. */
  syncIdentity(input: SyncIdentityInput): Promise<SyncIdentityResult>;
  /** Adds and removes group memberships by group name; with `sync`, exactly these among a prefix's. */
  manageRelationships(input: ManageRelationshipsInput): Promise<{ added: string[]; removed: string[] }>;
  /** The groups a deprovisioning would remove, recorded before it so that a rehire restores them. */
  groupsToRemove(input: AccountOf): Promise<string[]>;
  /** Ends access; an account already so, or gone, is left alone. */
  deprovisionIdentity(input: DeprovisionIdentityInput): Promise<{ status: string; removedGroups: string[] }>;
  /** Deletes the account; one already gone is done. */
  deleteIdentity(input: DeleteIdentityInput): Promise<{ deleted: boolean }>;
  /** Makes sure the group exists, and with `assign` puts the account in it. */
  createEntitlement(input: CreateEntitlementInput): Promise<{ groupId: string; created: boolean; assigned: boolean }>;
  /** The account as the target holds it now, found by id or else by the identity key; undefined when it has none. No write. */
  readAccount(input: { key: string; accountId: string | undefined; attributes: string[] }): Promise<AccountSnapshot | undefined>;
  /** What the target can do, as it says itself. */
  capabilities(): Promise<TargetCapabilities>;
}
