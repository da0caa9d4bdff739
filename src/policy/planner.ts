import { classify, isActive, type Lifecycle, type Snapshot } from './classify.ts';
import { changeLookup, formatterOf, holds } from './compiled.ts';
import type { Lookup } from './condition.ts';
import { MissingAttributeError, RenderError } from './formatter.ts';
import { isoInstant, readIsoDateTime } from './iso-date.ts';
import type { LoadedPolicy, PolicySet } from './loader.ts';
import { echoOf, type Echo } from './echo.ts';
import { attributeOptions, lifecycleTriggers, render, renderEach, resolveValue } from './resolve.ts';
import { isScimSource } from './source-name.ts';
import type { Action, Approvers, AttributeSpec, AttributeValue, IdentityRecord, Policy, PolicyWorkflow } from './schema.ts';
import type { PlannedAction, PlannedNotification } from '../targets/actions.ts';

export type { NotificationContext, PlannedAction, PlannedNotification } from '../targets/actions.ts';

/**
 * An action as a person reviews it: its resolved fields without the notification contexts, which
 * repeat the whole record.
 */
export function actionWithoutContexts(action: PlannedAction): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'context').map(([key, inner]) => [key, strip(inner)]));
  };
  return strip(action) as Record<string, unknown>;
}

/**
 * A DELETE_IDENTITY's approval as planned: who is asked, until when, and who may decide, which the
 * identity workflow records with the waiting approval, so the policy of the moment it asked decides.
 */
export type PlannedApproval = PlannedNotification & { timeout: string; approvers?: Approvers };

export interface PlanStep {
  /** Which policy, workflow, trigger and condition chose this step, so a plan explains itself. */
  policy: string;
  workflow: string;
  trigger: string;
  condition?: string;
  onError: 'stop' | 'continue';
  action: PlannedAction;
}

/** Steps of a workflow whose `effective` time is still ahead: they wait for it. */
export interface DeferredWorkflow {
  id: string;
  lifecycle: Lifecycle;
  at: string;
  steps: PlanStep[];
  /** The workflow's `onFailure` notice, which must still go out if a step fails at that moment. */
  onFailure?: PlannedNotification;
}

/** A date-triggered workflow's next moment; it is planned then, against the record of that time. */
export interface ScheduledTrigger {
  id: string;
  at: string;
}

export interface Plan {
  policySetHash: string;
  source: string;
  key: string;
  now: string;
  /** Per policy of the source, how it classified the change. */
  lifecycles: Record<string, Lifecycle>;
  /** Whether any policy of the source counts the identity as active after the change. */
  active: boolean;
  steps: PlanStep[];
  deferred: DeferredWorkflow[];
  schedule: ScheduledTrigger[];
  /** Per workflow (`policy/workflow`) that has steps here, the notice its `onFailure` sends. */
  onFailure: Record<string, PlannedNotification>;
  /** For each earlier deferral reviewed, its moment now, or null when this change cancels it. */
  review: Record<string, string | null>;
  /**
   * Per policy that found the change to be an echo of Tenure's own change to Okta pushed back by
   * SCIM (see echo.ts): which attributes, and why no step runs. The policy counts it an update.
   */
  echo: Record<string, Echo>;
}

export interface Change {
  source: string;
  key: string;
  previous: Snapshot;
  next: IdentityRecord | null;
  /** ISO-8601 instant the change is planned at; `effective` and date triggers are measured from it. */
  now: string;
  /** Whether the identity was ever active; see `classify`. */
  everActive?: boolean;
  /** Steps deferred by earlier changes, to review against this one; see `reviewDeferred`. */
  deferred?: Array<Pick<DeferredWorkflow, 'id' | 'lifecycle' | 'at'>>;
}

export class PlanError extends Error {}

/** How many numbered candidates a `{NEXT_NUMBER,…}` fallback yields. */
export const NEXT_NUMBER_ATTEMPTS = 10;

const workflowId = (policy: Policy, workflow: PolicyWorkflow) => `${policy.metadata.name}/${workflow.name}`;

function candidates(source: string, lookup: Lookup): string[] {
  const formatter = formatterOf(source);
  if (!formatter.usesNextNumber) return [formatter.render(lookup)];
  return Array.from({ length: NEXT_NUMBER_ATTEMPTS }, (_, attempt) => formatter.render(lookup, { nextNumber: attempt }));
}

interface Resolution {
  lookup: Lookup;
  record: IdentityRecord;
  previous: IdentityRecord | undefined;
  /** What the SYNC_IDENTITIES steps of this workflow resolved so far, for templates as `okta.*`. */
  okta: Record<string, string>;
}

function notification(template: string, to: string, at: Resolution): PlannedNotification {
  return {
    template,
    to: render(to, at.lookup),
    context: { ...at.record, old: { ...at.previous }, okta: { ...at.okta } },
  };
}

/** The target a policy action names, kept on the planned action; an action that names none acts on Okta. */
function targetNamed(action: Action): { target?: string } {
  return 'target' in action && typeof action.target === 'string' ? { target: action.target } : {};
}

function resolveAction(action: Action, at: Resolution): PlannedAction {
  const resolved = resolveFields(action, at);
  return resolved.action === 'NOTIFY' ? resolved : { ...resolved, ...targetNamed(action) };
}

function resolveFields(action: Action, at: Resolution): PlannedAction {
  switch (action.action) {
    case 'SYNC_IDENTITIES': {
      const attributes: Record<string, string> = {};
      const fallbacks: Record<string, string[]> = {};
      const createOnly: string[] = [];
      for (const [name, spec] of Object.entries(action.attributes) as Array<[string, AttributeSpec]>) {
        const options = attributeOptions(spec);
        const value = resolveValue(options.value, at.lookup);
        if (value === undefined) continue;
        attributes[name] = value;
        if (options.fallbacks) fallbacks[name] = options.fallbacks.flatMap((source) => candidates(source, at.lookup));
        if (options.createOnly) createOnly.push(name);
      }
      Object.assign(at.okta, attributes);
      return { action: action.action, create: action.create, attributes, fallbacks, createOnly };
    }
    case 'MANAGE_RELATIONSHIPS': {
      // An entry that inserts a list attribute stands for one group per element.
      const groups = (entries: string[]) => [...new Set(entries.flatMap((group) => renderEach(group, at.lookup)))];
      const sync = action.sync && { prefix: action.sync.prefix, groups: groups(action.sync.groups) };
      const stray = sync?.groups.find((group) => !group.startsWith(sync.prefix));
      if (stray !== undefined) throw new PlanError(`sync group "${stray}" does not start with its prefix "${sync!.prefix}"`);
      return {
        action: action.action,
        add: groups(action.add),
        remove: groups(action.remove),
        ...(sync ? { sync } : {}),
      };
    }
    case 'DEPROVISION_IDENTITY': {
      const { action: name, mode, revokeSessions, removeGroups, keepAttributes } = action;
      return { action: name, mode, revokeSessions, removeGroups, keepAttributes };
    }
    case 'DELETE_IDENTITY': {
      if (!action.approval) return { action: action.action };
      const { template, to, timeout, approvers } = action.approval;
      const approval: PlannedApproval = { ...notification(template, to, at), timeout, ...(approvers ? { approvers } : {}) };
      return { action: action.action, approval };
    }
    case 'CREATE_ENTITLEMENT':
      return {
        action: action.action,
        name: render(action.name, at.lookup),
        ...(action.description === undefined ? {} : { description: render(action.description, at.lookup) }),
        assign: action.assign,
      };
    case 'RESET_PASSWORD':
      return { action: action.action, notify: notification(action.notify.template, action.notify.to, at) };
    case 'NOTIFY':
      return { action: action.action, ...notification(action.template, action.to, at) };
  }
}

/** Resolves a workflow's actions, naming the policy, workflow and action of any value that cannot be resolved. */
function resolveWorkflow(policy: Policy, workflow: PolicyWorkflow, trigger: string, at: Resolution): PlanStep[] {
  return workflow.actions.map((action, index) => {
    try {
      return {
        policy: policy.metadata.name,
        workflow: workflow.name,
        trigger,
        ...(workflow.when === undefined ? {} : { condition: workflow.when }),
        onError: action.onError,
        action: resolveAction(action, at),
      };
    } catch (error) {
      if (!(error instanceof RenderError) && !(error instanceof PlanError)) throw error;
      throw new PlanError(`policy ${policy.metadata.name}, workflow ${workflow.name}, action ${index + 1} (${action.action}): ${error.message}`);
    }
  });
}

/** Resolves a workflow's steps, and records the notice its `onFailure` sends, which sees all it resolved. */
function planWorkflow(onFailure: Plan['onFailure'], policy: Policy, workflow: PolicyWorkflow, trigger: string, at: Resolution): PlanStep[] {
  const steps = resolveWorkflow(policy, workflow, trigger, at);
  if (workflow.onFailure) onFailure[workflowId(policy, workflow)] = notification(workflow.onFailure.template, workflow.onFailure.to, at);
  return steps;
}

/** A date attribute's calendar day, at midnight UTC, or undefined when it holds no date. */
function dayOf(value: AttributeValue | undefined): number | undefined {
  const date = typeof value === 'string' ? readIsoDateTime(value) : undefined;
  return date && Date.UTC(date.year, date.month - 1, date.day);
}

const DAY_MS = 86_400_000;

function instantOf(now: string): number {
  const instant = isoInstant(now);
  if (instant === undefined) throw new PlanError(`"${now}" is not an ISO-8601 date and time`);
  return instant;
}

/** When a date trigger fires for a record, or undefined when the record has no such date. */
function triggerMoment(trigger: { date: string; days: number; at: string }, record: Snapshot): number | undefined {
  const day = dayOf(record?.[trigger.date]);
  if (day === undefined) return undefined;
  const [hours = 0, minutes = 0, seconds = 0] = trigger.at.split(':').map(Number);
  return day + trigger.days * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/**
 * When a workflow's actions take effect, or undefined for at once. An `effective` that cannot be
 * resolved (its date attribute is missing) means at once: a leaver whose termination date is
 * unknown must not keep access.
 */
function effectiveMoment(workflow: PolicyWorkflow, lookup: Lookup): number | undefined {
  if (workflow.effective === undefined) return undefined;
  let text: string;
  try {
    text = render(workflow.effective, lookup);
  } catch (error) {
    if (error instanceof MissingAttributeError) return undefined;
    if (error instanceof RenderError) throw new PlanError(`workflow ${workflow.name}: effective: ${error.message}`);
    throw error;
  }
  const moment = isoInstant(text);
  if (moment === undefined) throw new PlanError(`workflow ${workflow.name}: effective "${text}" is not an ISO-8601 date and time`);
  return moment;
}

const dateTriggerOf = (workflow: PolicyWorkflow) => (typeof workflow.on === 'object' && !Array.isArray(workflow.on) ? workflow.on : undefined);

function sourcePolicies(policySet: PolicySet, source: string): LoadedPolicy[] {
  return policySet.policies.filter(({ policy }) => policy.source === source);
}

function upcoming(policies: LoadedPolicy[], record: Snapshot, now: number): ScheduledTrigger[] {
  const schedule: ScheduledTrigger[] = [];
  for (const { policy } of policies) {
    for (const workflow of policy.workflows) {
      const trigger = dateTriggerOf(workflow);
      const moment = trigger && triggerMoment(trigger, record);
      // A moment already past when the record arrives is not caught up on: an initial load of
      // long-standing employees must not send them pre-hire mail.
      if (moment !== undefined && moment > now) schedule.push({ id: workflowId(policy, workflow), at: new Date(moment).toISOString() });
    }
  }
  return schedule;
}

/** A plan with no steps yet: whether the record leaves the identity active, and its upcoming date triggers. */
function startPlan(policySet: PolicySet, policies: LoadedPolicy[], at: { source: string; key: string; now: string }, now: number, record: Snapshot): Plan {
  return {
    policySetHash: policySet.hash,
    source: at.source,
    key: at.key,
    now: at.now,
    lifecycles: {},
    active: policies.some(({ policy }) => isActive(policy, record)),
    steps: [],
    deferred: [],
    schedule: upcoming(policies, record, now),
    onFailure: {},
    review: {},
    echo: {},
  };
}

/** A mover or an update: a change to an identity active before and after, the only kind an echo can be. */
const changesWhileActive = (lifecycle: Lifecycle) => lifecycle === 'mover' || lifecycle === 'update';

/** What one policy's workflows plan for a change: the steps that run now, those that wait, and their failure notices. */
export type PolicyPlan = Pick<Plan, 'steps' | 'deferred' | 'onFailure'>;

function planPolicy(policy: Policy, lifecycle: Lifecycle, change: Change, lookup: Lookup, now: number): PolicyPlan {
  const planned: PolicyPlan = { steps: [], deferred: [], onFailure: {} };
  const record = change.next ?? change.previous ?? {};
  for (const workflow of policy.workflows) {
    if (!lifecycleTriggers(workflow).includes(lifecycle)) continue;
    if (workflow.when !== undefined && !holds(workflow.when, lookup)) continue;
    const at: Resolution = { lookup, record, previous: change.previous ?? undefined, okta: {} };
    const steps = planWorkflow(planned.onFailure, policy, workflow, lifecycle, at);
    const effective = effectiveMoment(workflow, lookup);
    if (effective !== undefined && effective > now) {
      const id = workflowId(policy, workflow);
      const onFailure = planned.onFailure[id];
      planned.deferred.push({ id, lifecycle, at: new Date(effective).toISOString(), steps, ...(onFailure ? { onFailure } : {}) });
    } else {
      planned.steps.push(...steps);
    }
  }
  return planned;
}

/**
 * Turns one change of one identity into the ordered steps the policies ask for. Pure and
 * deterministic, so that a dry run and the workflow's own planning can never disagree.
 */
export function plan(policySet: PolicySet, change: Change): Plan {
  const policies = sourcePolicies(policySet, change.source);
  const now = instantOf(change.now);
  const lookup = changeLookup(change.previous, change.next);
  const result = startPlan(policySet, policies, change, now, change.next);
  for (const { policy } of policies) {
    const name = policy.metadata.name;
    const leaving = (change.deferred ?? []).some(({ id, lifecycle }) => lifecycle === 'leaver' && id.startsWith(`${name}/`));
    const classified = classify(policy, change.previous, change.next, change.everActive, leaving);
    // The plan the change gets as what it is decides whether it is an echo: only one that
    // re-asserts what Okta already holds may be dropped.
    const planned = planPolicy(policy, classified, change, lookup, now);
    const echo = changesWhileActive(classified) && isScimSource(change.source) ? echoOf(policy, change.previous!, change.next!, planned) : undefined;
    if (echo) {
      result.echo[name] = echo;
      result.lifecycles[name] = 'update';
      continue;
    }
    result.lifecycles[name] = classified;
    result.steps.push(...planned.steps);
    result.deferred.push(...planned.deferred);
    Object.assign(result.onFailure, planned.onFailure);
  }
  // A workflow this change plans again supersedes what an earlier change deferred for it.
  const replanned = new Set([...result.deferred.map(({ id }) => id), ...result.steps.map((step) => `${step.policy}/${step.workflow}`)]);
  for (const earlier of change.deferred ?? []) {
    if (!replanned.has(earlier.id)) result.review[earlier.id] = reviewDeferred(policySet, earlier, change.source, change.next) ?? null;
  }
  return result;
}

export interface DueTrigger {
  source: string;
  key: string;
  /** The identity's record at the moment the trigger fires. */
  record: IdentityRecord | null;
  /** `policy/workflow` of the date-triggered workflow. */
  trigger: string;
  now: string;
}

/**
 * Plans a date-triggered workflow whose moment has come, against the record current now. It
 * runs only if the record still puts its moment at or before now (the date may have moved) and
 * its condition holds.
 */
export function planTrigger(policySet: PolicySet, due: DueTrigger): Plan {
  const policies = sourcePolicies(policySet, due.source);
  const now = instantOf(due.now);
  const result = startPlan(policySet, policies, due, now, due.record);
  const lookup = changeLookup(due.record, due.record);
  for (const { policy } of policies) {
    for (const workflow of policy.workflows) {
      const trigger = dateTriggerOf(workflow);
      if (!trigger || workflowId(policy, workflow) !== due.trigger) continue;
      const moment = triggerMoment(trigger, due.record);
      if (moment === undefined || moment > now) continue;
      if (workflow.when !== undefined && !holds(workflow.when, lookup)) continue;
      const at: Resolution = { lookup, record: due.record ?? {}, previous: due.record ?? undefined, okta: {} };
      result.steps.push(...planWorkflow(result.onFailure, policy, workflow, `${trigger.date}${trigger.days < 0 ? '' : '+'}${trigger.days}d`, at));
    }
  }
  return result;
}

/**
 * Whether deferred steps still stand after a later change, and when: a change that reverses the
 * lifecycle they belong to (a rehire before a leaver's date, a leaver before a joiner's start)
 * cancels them, and a moved date moves them. Movers and updates keep their moment.
 */
function reviewDeferred(
  policySet: PolicySet,
  deferred: Pick<DeferredWorkflow, 'id' | 'lifecycle' | 'at'>,
  source: string,
  record: Snapshot,
): string | undefined {
  for (const { policy } of sourcePolicies(policySet, source)) {
    for (const workflow of policy.workflows) {
      if (workflowId(policy, workflow) !== deferred.id) continue;
      const active = isActive(policy, record);
      if (deferred.lifecycle === 'leaver' && active) return undefined;
      if ((deferred.lifecycle === 'joiner' || deferred.lifecycle === 'rehire') && !active) return undefined;
      const moment = effectiveMoment(workflow, changeLookup(record, record));
      return moment === undefined ? deferred.at : new Date(moment).toISOString();
    }
  }
  // The workflow is gone from the policies: its steps were planned under rules no longer in force.
  return undefined;
}
