import type { Approvers, AttributeValue } from '../policy/schema.ts';

/**
 * The actions a plan is made of: one set of types for the planner that resolves them, the
 * identity workflow that runs them, and the targets that carry them out (target.ts derives each
 * operation's input from these). An action that acts on an account names its target; a policy that
 * names none means Okta, so plans recorded before targets existed read the same.
 */

/** What a template can use: the record, the record before as `old`, and what the plan resolved for Okta as `okta`. */
export type NotificationContext = { [attribute: string]: AttributeValue | Record<string, AttributeValue> };

export interface PlannedNotification {
  template: string;
  to: string;
  context: NotificationContext;
}

/** The target of an action whose policy names none. */
export const DEFAULT_TARGET = 'okta';

export interface SyncIdentitiesAction {
  action: 'SYNC_IDENTITIES';
  target?: string;
  create: boolean;
  /** Resolved values, by the policy's (Veza's) attribute names. */
  attributes: Record<string, string>;
  /** Values to try in turn when the target says the first is taken, per attribute with fallbacks. */
  fallbacks: Record<string, string[]>;
  /** Attributes set at creation only. */
  createOnly: string[];
}

export interface ManageRelationshipsAction {
  action: 'MANAGE_RELATIONSHIPS';
  target?: string;
  add: string[];
  remove: string[];
  /** Exactly these groups among those whose name starts with the prefix. */
  sync?: { prefix: string; groups: string[] };
}

export interface DeprovisionIdentityAction {
  action: 'DEPROVISION_IDENTITY';
  target?: string;
  mode: 'deactivate' | 'suspend';
  revokeSessions: boolean;
  removeGroups: boolean;
  keepAttributes: boolean;
}

export interface DeleteIdentityAction {
  action: 'DELETE_IDENTITY';
  target?: string;
  approval?: PlannedNotification & { timeout: string; approvers?: Approvers };
}

export interface CreateEntitlementAction {
  action: 'CREATE_ENTITLEMENT';
  target?: string;
  name: string;
  description?: string;
  assign: boolean;
}

/** Okta's alone: the temporary password it generates goes straight into the notice. */
export interface ResetPasswordAction {
  action: 'RESET_PASSWORD';
  target?: string;
  notify: PlannedNotification;
}

export type NotifyAction = { action: 'NOTIFY' } & PlannedNotification;

export type PlannedAction =
  | SyncIdentitiesAction
  | ManageRelationshipsAction
  | DeprovisionIdentityAction
  | DeleteIdentityAction
  | CreateEntitlementAction
  | ResetPasswordAction
  | NotifyAction;

/** The actions that act on an account in a target. */
export type TargetedAction = Exclude<PlannedAction, NotifyAction>;

export function targetOf(action: TargetedAction): string {
  return action.target ?? DEFAULT_TARGET;
}

/** Where an action lands, for people reading a plan: its target, or `mail` for a notice. */
export function landsIn(action: PlannedAction): string {
  return action.action === 'NOTIFY' ? 'mail' : targetOf(action);
}

/** The fields of an action that its target operation takes, without the action's name and target. */
export type ActionFields<A extends TargetedAction> = Omit<A, 'action' | 'target'>;
