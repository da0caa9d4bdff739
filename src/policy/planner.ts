import { classify, type Lifecycle, type Snapshot } from './classify.ts';
import { format, MissingAttributeError } from './formatter.ts';
import type { PolicySet } from './loader.ts';
import type { Action, AttributeValue, IdentityRecord } from './schema.ts';

export type PlannedAction =
  | { action: 'SYNC_IDENTITIES'; create: boolean; attributes: Record<string, string> }
  | { action: 'MANAGE_RELATIONSHIPS'; add: string[]; remove: string[] }
  | { action: 'DEPROVISION_IDENTITY' }
  | { action: 'NOTIFY'; template: string; to: string; context: NotificationContext };

/** What a template can use: the identity's record, and what the plan resolved for Okta as `okta.*`. */
export type NotificationContext = { [attribute: string]: AttributeValue | Record<string, string> };

export interface PlanStep {
  /** Which policy and workflow chose this step, so a plan explains itself. */
  policy: string;
  workflow: string;
  lifecycle: Lifecycle;
  action: PlannedAction;
}

export interface Plan {
  policySetHash: string;
  source: string;
  key: string;
  /** Per policy of the source, how it classified the change. */
  lifecycles: Record<string, Lifecycle>;
  steps: PlanStep[];
}

export interface Change {
  source: string;
  key: string;
  previous: Snapshot;
  next: IdentityRecord | null;
}

export class PlanError extends Error {}

function resolve(action: Action, record: IdentityRecord, okta: Record<string, string>): PlannedAction {
  switch (action.action) {
    case 'SYNC_IDENTITIES': {
      const attributes = Object.fromEntries(Object.entries(action.attributes).map(([name, formatter]) => [name, format(formatter, record)]));
      Object.assign(okta, attributes);
      return { action: action.action, create: action.create, attributes };
    }
    case 'MANAGE_RELATIONSHIPS':
      return { action: action.action, add: action.add.map((group) => format(group, record)), remove: action.remove.map((group) => format(group, record)) };
    case 'DEPROVISION_IDENTITY':
      return { action: action.action };
    case 'NOTIFY':
      return { action: action.action, template: action.template, to: format(action.to, record), context: { ...record, okta: { ...okta } } };
  }
}

/**
 * Turns one change of one identity into the ordered steps the policies ask for. Pure and
 * deterministic, so that a dry run and the workflow's own planning can never disagree.
 */
export function plan(policySet: PolicySet, change: Change): Plan {
  const lifecycles: Record<string, Lifecycle> = {};
  const steps: PlanStep[] = [];
  for (const { policy } of policySet.policies) {
    if (policy.source !== change.source) continue;
    const lifecycle = classify(policy, change.previous, change.next);
    lifecycles[policy.metadata.name] = lifecycle;
    // A leaver's last known record is what its steps (and notifications) speak of.
    const record = change.next ?? change.previous ?? {};
    const okta: Record<string, string> = {};
    for (const workflow of policy.workflows) {
      if (workflow.on !== lifecycle) continue;
      for (const action of workflow.actions) {
        try {
          steps.push({ policy: policy.metadata.name, workflow: workflow.name, lifecycle, action: resolve(action, record, okta) });
        } catch (error) {
          if (!(error instanceof MissingAttributeError)) throw error;
          throw new PlanError(`policy ${policy.metadata.name}, workflow ${workflow.name}, ${action.action}: ${error.message}`);
        }
      }
    }
  }
  return { policySetHash: policySet.hash, source: change.source, key: change.key, lifecycles, steps };
}
