import { syncedOnExistingUser, toOktaProfile } from '../okta/profile.ts';
import { changedAttributes } from './classify.ts';
import { changeLookup, holds } from './compiled.ts';
import type { Lookup } from './condition.ts';
import { RenderError } from './formatter.ts';
import { OKTA_PROFILE_TO_SCIM_RECORD, SCIM_GROUPS_ATTRIBUTE } from './okta-scim-mappings.ts';
import { attributeOptions, lifecycleTriggers, render, renderEach, resolveValue } from './resolve.ts';
import type { PolicyPlan } from './planner.ts';
import { DEFAULT_TARGET, targetOf, type PlannedAction } from '../targets/actions.ts';
import type { Action, AttributeValue, IdentityRecord, Policy, PolicyWorkflow } from './schema.ts';

/**
 * The echo rule. Tenure acts on Okta (adds a person to `dept-sales`, writes a profile attribute),
 * and Okta pushes what it now holds back to Tenure by SCIM. Acting on that push would run the
 * same steps again, and a step that does not settle (a transformer that changes its own input)
 * would loop. So a change of a `scim/…` source is an echo when both of these hold.
 *
 * First, every attribute that differs is explained by what this policy itself has Okta hold:
 *
 * - `groups`: each group that came is one the policy gives the identity in its new record (the
 *   `add` and `sync` groups of MANAGE_RELATIONSHIPS, the group of a CREATE_ENTITLEMENT with
 *   `assign`), and each that went is one it does not give and would remove (a `remove` group, or
 *   one with a `sync` prefix).
 * - any other attribute: its new value is the one a SYNC_IDENTITIES of the policy computes from the
 *   record before the change (what Tenure wrote when it acted on it) for an Okta profile attribute
 *   that Okta's default mappings carry to this key (okta-scim-mappings.ts).
 *
 * "Gives" is read as the desired state of the record as it is: the workflows a joiner, mover,
 * rehire or update runs, with their `when` evaluated as for an identity first seen with that
 * record (`old.x` is no value), so that `old.department ne new.department` and
 * `not (old.groups eq "x")` hold, and a workflow that an attribute selects (`groups eq
 * "Engineering"`) counts only for a record that has it. A group a person was given by hand, or a
 * department that changed in Okta, is not explained, so the change stays a mover.
 *
 * That alone cannot tell Tenure's own change from an administrator's that looks the same (a group
 * taken away by hand that some `sync` prefix covers), so second, and deciding: the plan the change
 * would get as what it is (its mover or update) must be a no-op on what the new record shows Okta
 * holds. Each step must re-assert something already so (`held`); a step that would do anything
 * (remove a group, notify someone, deprovision) or that cannot be checked against the record makes
 * the change the mover or update it is, and its plan runs.
 */
export interface Echo {
  /** The attributes that changed, every one of them explained, in alphabetical order. */
  attributes: string[];
  /** One line for the plan, and so for the Temporal UI: why nothing ran. */
  reason: string;
}

const SHAPING_EVENTS = new Set(['joiner', 'mover', 'rehire', 'update']);

/** The workflows that shape what an active identity holds, and hold for this record. */
function shapingWorkflows(policy: Policy, lookup: Lookup): PolicyWorkflow[] {
  return policy.workflows.filter(
    (workflow) => lifecycleTriggers(workflow).some((event) => SHAPING_EVENTS.has(event)) && (workflow.when === undefined || holds(workflow.when, lookup)),
  );
}

/** A value the record cannot give (an attribute it lacks) is one the policy does not give. */
function resolved<T>(make: () => T, otherwise: T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof RenderError) return otherwise;
    throw error;
  }
}

/** Only what the policy has Okta hold can come back from Okta: actions on other targets explain nothing. */
const onOkta = (action: Action) => action.action === 'NOTIFY' || (action.target ?? DEFAULT_TARGET) === DEFAULT_TARGET;

/** Okta matches group names ignoring case, as MANAGE_RELATIONSHIPS does. */
const groupKey = (name: string) => name.toLowerCase();

function groupsGiven(policy: Policy, record: IdentityRecord): Set<string> {
  const lookup = changeLookup(undefined, record);
  const given = new Set<string>();
  for (const workflow of shapingWorkflows(policy, lookup)) {
    for (const action of workflow.actions.filter(onOkta)) {
      const sources =
        action.action === 'MANAGE_RELATIONSHIPS' ? [...action.add, ...(action.sync?.groups ?? [])] : action.action === 'CREATE_ENTITLEMENT' && action.assign ? [action.name] : [];
      for (const source of sources) {
        const groups = action.action === 'CREATE_ENTITLEMENT' ? resolved(() => [render(source, lookup)], []) : resolved(() => renderEach(source, lookup), []);
        for (const group of groups) given.add(groupKey(group));
      }
    }
  }
  return given;
}

/** Whether some MANAGE_RELATIONSHIPS of the policy, in any workflow, takes people out of this group. */
function groupRemoved(policy: Policy, record: IdentityRecord, group: string): boolean {
  const lookup = changeLookup(undefined, record);
  return policy.workflows.some((workflow) =>
    workflow.actions.some(
      (action) =>
        action.action === 'MANAGE_RELATIONSHIPS' &&
        onOkta(action) &&
        ((action.sync !== undefined && groupKey(group).startsWith(groupKey(action.sync.prefix))) ||
          action.remove.some((source) => resolved(() => renderEach(source, lookup), []).some((removed) => groupKey(removed) === groupKey(group)))),
    ),
  );
}

const listOf = (value: AttributeValue | undefined): readonly string[] | undefined =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : undefined;

function groupsEcho(policy: Policy, before: AttributeValue | undefined, next: IdentityRecord): string | undefined {
  const had = listOf(before);
  const has = listOf(next[SCIM_GROUPS_ATTRIBUTE]);
  if (!had || !has) return undefined;
  const came = has.filter((group) => !had.includes(group));
  const went = had.filter((group) => !has.includes(group));
  const given = groupsGiven(policy, next);
  if (!came.every((group) => given.has(groupKey(group)))) return undefined;
  if (!went.every((group) => !given.has(groupKey(group)) && groupRemoved(policy, next, group))) return undefined;
  return `groups ${[...came.map((group) => `+${group}`), ...went.map((group) => `-${group}`)].join(' ')} are this policy's own group steps`;
}

/** Where a SYNC_IDENTITIES attribute lands in Okta's profile, and the record key Okta's default mappings carry it back as. */
function pushedBackAs(attribute: string): { okta: string; key: string | undefined } {
  const [okta] = Object.keys(toOktaProfile({ [attribute]: '' })) as [string];
  return { okta, key: OKTA_PROFILE_TO_SCIM_RECORD[okta] };
}

function attributeEcho(policy: Policy, name: string, value: AttributeValue | undefined, before: IdentityRecord): string | undefined {
  if (typeof value !== 'string') return undefined;
  const lookup = changeLookup(undefined, before);
  for (const workflow of shapingWorkflows(policy, lookup)) {
    for (const action of workflow.actions.filter(onOkta)) {
      if (action.action !== 'SYNC_IDENTITIES') continue;
      for (const [attribute, spec] of Object.entries(action.attributes)) {
        const written = resolved(() => resolveValue(attributeOptions(spec).value, lookup), undefined);
        if (written === undefined) continue;
        const { okta, key } = pushedBackAs(attribute);
        if (key === name && written === value) return `${name} is what SYNC_IDENTITIES writes to Okta's ${okta}`;
      }
    }
  }
  return undefined;
}

/**
 * Whether running a planned step would change nothing in Okta, as the record Okta pushed shows
 * it. What the record cannot show is not held: a removal (the group may not be pushed to the
 * app, so its absence proves nothing), an attribute no default mapping carries back, a notice, a
 * deprovisioning.
 */
function held(action: PlannedAction, record: IdentityRecord): boolean {
  // What another target holds, the record pushed from Okta cannot show; nor can a step there
  // loop back through Okta. Its plan comes from values the first condition found to be Tenure's
  // own writes, so it ran when those were planned: it does not stop the change being an echo.
  if (action.action !== 'NOTIFY' && targetOf(action) !== DEFAULT_TARGET) return true;
  const groups = new Set((listOf(record[SCIM_GROUPS_ATTRIBUTE]) ?? []).map(groupKey));
  switch (action.action) {
    case 'SYNC_IDENTITIES':
      // A user that Okta pushes by SCIM exists, so only what the activity writes to an existing one counts.
      return Object.entries(action.attributes).every(([attribute, value]) => {
        if (!syncedOnExistingUser(attribute, action.createOnly)) return true;
        const { key } = pushedBackAs(attribute);
        return key !== undefined && record[key] === value;
      });
    case 'MANAGE_RELATIONSHIPS': {
      if (action.remove.length > 0) return false;
      const wanted = [...action.add, ...(action.sync?.groups ?? [])].map(groupKey);
      if (!wanted.every((group) => groups.has(group))) return false;
      const prefix = action.sync && groupKey(action.sync.prefix);
      return prefix === undefined || [...groups].every((group) => !group.startsWith(prefix) || wanted.includes(group));
    }
    case 'CREATE_ENTITLEMENT':
      return action.assign && groups.has(groupKey(action.name));
    default:
      return false;
  }
}

/**
 * The echo a change of a SCIM source is, or undefined when something in it is a real change.
 * `planned` is what the policy plans for the change as the mover or update it is.
 */
export function echoOf(policy: Policy, previous: IdentityRecord, next: IdentityRecord, planned: Pick<PolicyPlan, 'steps' | 'deferred'>): Echo | undefined {
  const attributes = changedAttributes(previous, next).sort();
  if (attributes.length === 0) return undefined;
  const reasons: string[] = [];
  for (const name of attributes) {
    const reason = name === SCIM_GROUPS_ATTRIBUTE ? groupsEcho(policy, previous[name], next) : attributeEcho(policy, name, next[name], previous);
    if (reason === undefined) return undefined;
    reasons.push(reason);
  }
  // A deferred step is one that has not run yet, so nothing pushed can show it held.
  if (planned.deferred.length > 0 || !planned.steps.every((step) => held(step.action, next))) return undefined;
  return { attributes, reason: `an echo of Tenure's own change to Okta, so no step runs: ${reasons.join('; ')}` };
}
