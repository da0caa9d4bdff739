import type { DeferredWorkflow, Plan, PlannedAction, PlanStep } from '../policy/planner.ts';
import { DEFAULT_TARGET, landsIn, targetOf } from '../targets/actions.ts';
import { deferredEffects, type LiveEffect } from '../targets/live-plan.ts';
import type { SnapshotPlan } from '../policy/snapshot.ts';
import { table } from './table.ts';

const HEADER = ['IDENTITY', 'CHANGE', 'POLICY WORKFLOW', 'WHEN', 'ACTION', 'TARGET', 'KEY VALUES'];
/** With `--live`, what would change sits beside the target it would change in, before the planned values. */
const LIVE_HEADER = [...HEADER.slice(0, 6), 'LIVE', ...HEADER.slice(6)];

/** `2026-12-07 09:00 UTC`: to the minute is what a reviewer compares with a calendar. */
function moment(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) && iso.endsWith('Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}

/** A value as typed: bare, unless a blank or comma would make the list ambiguous. */
function shown(value: string): string {
  return value === '' || /[\s,"]/.test(value) ? JSON.stringify(value) : value;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The values a reviewer checks, one line per action; candidates beyond the first are only counted. */
export function keyValues(action: PlannedAction): string {
  switch (action.action) {
    case 'SYNC_IDENTITIES': {
      const values = Object.entries(action.attributes).map(([name, value]) => {
        const more = action.fallbacks[name]?.length ?? 0;
        return `${name} ${shown(value)}${more > 0 ? ` (+${plural(more, 'fallback')})` : ''}`;
      });
      return [action.create ? 'create' : 'update', values.join(', ')].filter(Boolean).join(' ');
    }
    case 'MANAGE_RELATIONSHIPS':
      return [
        ...action.add.map((group) => `add ${group}`),
        ...action.remove.map((group) => `remove ${group}`),
        ...(action.sync ? [`keep only ${action.sync.groups.join(', ') || 'no group'} of ${action.sync.prefix}*`] : []),
      ].join(', ');
    case 'DEPROVISION_IDENTITY':
      // A SCIM account has only `active`: no suspension, no sessions to end, no profile cleared.
      if (targetOf(action) !== DEFAULT_TARGET) return ['deactivate', action.removeGroups ? 'leave groups' : 'keep groups'].join(', ');
      return [
        action.mode,
        action.revokeSessions ? 'end sessions' : 'keep sessions',
        action.removeGroups ? 'leave groups' : 'keep groups',
        action.keepAttributes ? 'keep profile' : 'clear profile',
      ].join(', ');
    case 'DELETE_IDENTITY':
      return action.approval ? `after approval by ${action.approval.to} (within ${action.approval.timeout})` : 'without approval';
    case 'CREATE_ENTITLEMENT':
      return `group ${shown(action.name)}${action.description ? ` (${action.description})` : ''}${action.assign ? ', assigned' : ''}`;
    case 'RESET_PASSWORD':
      return `temporary password mailed to ${action.notify.to} (${action.notify.template})`;
    case 'NOTIFY':
      return `mail to ${action.to} (${action.template})`;
  }
}

/** One effect of `tenure plan --live` in words; values as in KEY VALUES. */
export function liveText(live: LiveEffect): string {
  switch (live.effect) {
    case 'create':
      return 'create';
    case 'reactivate':
      // The groups are those its deprovisioning recorded, which the workflow holds, not the target.
      return 'reactivate (and give back the groups its leaving removed)';
    case 'set':
      return `${live.attribute}: ${live.from === null ? '(none)' : shown(live.from)} → ${shown(live.to)}${live.ifSuspended ? ' (if suspended: a deactivated Okta user keeps its profile)' : ''}`;
    case 'add':
      return `add ${shown(live.group)}`;
    case 'remove':
      return `remove ${shown(live.group)}`;
    case 'ensure-group':
      return `group ${shown(live.group)} created if missing`;
    case 'assign':
      return `assign ${shown(live.group)} (group created if missing)`;
    case 'deactivate':
    case 'suspend':
      return live.effect;
    case 'delete':
      return live.approval ? `delete, once ${live.approval.to} approves (waits up to ${live.approval.timeout})` : 'delete';
    case 'mail':
      return 'sends mail';
    case 'no-change':
      return live.why ? `no change (${live.why})` : 'no change';
    case 'fails':
      return live.why === 'no account' ? 'would fail: no account' : 'would fail: the target has no groups';
    case 'not-run':
      return `not run: the workflow stops at its ${live.after}, which would fail`;
    case 'unknown':
      return `unknown: ${live.target} could not be ${live.unreachable ? 'reached' : 'read'} (${live.reason})`;
    case 'deferred':
      return 'deferred: read when it runs';
  }
}

const liveCell = (effects: readonly LiveEffect[]) => effects.map(liveText).join(', ');


function stepRow(result: Plan, step: PlanStep, lifecycle: string | undefined, when: string): string[] {
  return [`${result.source}/${result.key}`, lifecycle ?? '–', `${step.policy}/${step.workflow}`, when, step.action.action, landsIn(step.action), keyValues(step.action)];
}

/**
 * One row per step, deferred steps at their moment, and a row per date trigger it schedules.
 * With `live` (the effects of `result.steps`, in order), a column says what each would change.
 */
function planRows(result: Plan, live?: readonly LiveEffect[][]): string[][] {
  const identity = `${result.source}/${result.key}`;
  const policyOf = (id: string) => id.slice(0, id.indexOf('/'));
  const withLive = (row: string[], effects: readonly LiveEffect[] | undefined) => (live ? [...row.slice(0, 6), effects ? liveCell(effects) : '–', ...row.slice(6)] : row);
  return [
    ...result.steps.map((step, index) => withLive(stepRow(result, step, result.lifecycles[step.policy], 'now'), live?.[index])),
    ...result.deferred.flatMap((deferred: DeferredWorkflow) =>
      deferred.steps.map((step) => withLive(stepRow(result, step, deferred.lifecycle, moment(deferred.at)), deferredEffects(deferred.at))),
    ),
    ...result.schedule.map((trigger) =>
      withLive([identity, result.lifecycles[policyOf(trigger.id)] ?? '–', trigger.id, moment(trigger.at), 'date trigger', '–', 'planned then, against the record of that day'], undefined),
    ),
  ];
}

/**
 * A dry run of one change: which policies classified it how, then its steps as a table; with
 * `live` (`tenure plan --live`), what each step would change in its target as it is now.
 */
export function formatPlan(result: Plan, live?: readonly LiveEffect[][]): string {
  const lifecycles = Object.entries(result.lifecycles).map(([policy, lifecycle]) => `${policy} ${lifecycle}`).join(', ') || 'no policy';
  const heading = `${result.source}/${result.key}: ${lifecycles} (policy set ${result.policySetHash}, planned at ${result.now})`;
  const rows = planRows(result, live);
  return rows.length === 0 ? `${heading}\nNothing to do.` : `${heading}\n\n${table([live ? LIVE_HEADER : HEADER, ...rows])}`;
}

/**
 * Per target, its actions and counts. Group entries are keyed with two leading spaces; they belong
 * under that target's MANAGE_RELATIONSHIPS.
 */
function actionLines(actions: SnapshotPlan['actions']): string[][] {
  return Object.entries(actions).flatMap(([target, counts]) => {
    const entries = Object.entries(counts);
    const groups = entries.filter(([name]) => name.startsWith('  ')).sort(([a], [b]) => a.localeCompare(b));
    return [
      [target, ''],
      ...entries
        .filter(([name]) => !name.startsWith('  '))
        .flatMap(([name, count]) => [[`  ${name}`, String(count)], ...(name === 'MANAGE_RELATIONSHIPS' ? groups.map(([group, n]) => [`  ${group}`, String(n)]) : [])]),
    ];
  });
}

/** A dry run of a whole export: counts per policy and per action, then every identity's steps as one table. */
export function formatSnapshot(result: SnapshotPlan): string {
  const lifecycles = Object.entries(result.lifecycles).map(([policy, counts]) => [
    policy,
    Object.entries(counts)
      .map(([lifecycle, count]) => `${lifecycle} ${count}`)
      .join(', '),
  ]);
  const rows = result.plans.flatMap((plan) => planRows(plan));
  return [
    `${plural(result.plans.length, 'identity', 'identities')} to change, ${result.unchanged} unchanged.`,
    '',
    'Lifecycles per policy:',
    table(lifecycles, '  '),
    '',
    'Actions per target:',
    actionLines(result.actions).length ? table(actionLines(result.actions), '  ') : '  none',
    ...(rows.length ? ['', table([HEADER, ...rows])] : []),
  ].join('\n');
}
