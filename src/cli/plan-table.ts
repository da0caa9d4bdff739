import type { DeferredWorkflow, Plan, PlannedAction, PlanStep } from '../policy/planner.ts';
import type { SnapshotPlan } from '../policy/snapshot.ts';
import { table } from './table.ts';

const HEADER = ['IDENTITY', 'CHANGE', 'POLICY WORKFLOW', 'WHEN', 'ACTION', 'TARGET', 'KEY VALUES'];

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

/** Where an action lands: Okta, except a notice, which only sends mail. */
const targetOf = (action: PlannedAction) => (action.action === 'NOTIFY' ? 'mail' : 'okta');

function stepRow(result: Plan, step: PlanStep, lifecycle: string | undefined, when: string): string[] {
  return [`${result.source}/${result.key}`, lifecycle ?? '–', `${step.policy}/${step.workflow}`, when, step.action.action, targetOf(step.action), keyValues(step.action)];
}

/** One row per step, deferred steps at their moment, and a row per date trigger it schedules. */
function planRows(result: Plan): string[][] {
  const identity = `${result.source}/${result.key}`;
  const policyOf = (id: string) => id.slice(0, id.indexOf('/'));
  return [
    ...result.steps.map((step) => stepRow(result, step, result.lifecycles[step.policy], 'now')),
    ...result.deferred.flatMap((deferred: DeferredWorkflow) => deferred.steps.map((step) => stepRow(result, step, deferred.lifecycle, moment(deferred.at)))),
    ...result.schedule.map((trigger) => [identity, result.lifecycles[policyOf(trigger.id)] ?? '–', trigger.id, moment(trigger.at), 'date trigger', '–', 'planned then, against the record of that day']),
  ];
}

/** A dry run of one change: which policies classified it how, then its steps as a table. */
export function formatPlan(result: Plan): string {
  const lifecycles = Object.entries(result.lifecycles).map(([policy, lifecycle]) => `${policy} ${lifecycle}`).join(', ') || 'no policy';
  const heading = `${result.source}/${result.key}: ${lifecycles} (policy set ${result.policySetHash}, planned at ${result.now})`;
  const rows = planRows(result);
  return rows.length === 0 ? `${heading}\nNothing to do.` : `${heading}\n\n${table([HEADER, ...rows])}`;
}

/** Group entries of the summary are keyed with two leading spaces; they belong under MANAGE_RELATIONSHIPS. */
function actionLines(actions: SnapshotPlan['actions']): string[][] {
  const entries = Object.entries(actions);
  const groups = entries.filter(([name]) => name.startsWith('  ')).sort(([a], [b]) => a.localeCompare(b));
  return entries
    .filter(([name]) => !name.startsWith('  '))
    .flatMap(([name, count]) => [[name, String(count)], ...(name === 'MANAGE_RELATIONSHIPS' ? groups.map(([group, n]) => [group, String(n)]) : [])]);
}

/** A dry run of a whole export: counts per policy and per action, then every identity's steps as one table. */
export function formatSnapshot(result: SnapshotPlan): string {
  const lifecycles = Object.entries(result.lifecycles).map(([policy, counts]) => [
    policy,
    Object.entries(counts)
      .map(([lifecycle, count]) => `${lifecycle} ${count}`)
      .join(', '),
  ]);
  const rows = result.plans.flatMap(planRows);
  return [
    `${plural(result.plans.length, 'identity', 'identities')} to change, ${result.unchanged} unchanged.`,
    '',
    'Lifecycles per policy:',
    table(lifecycles, '  '),
    '',
    'Actions:',
    actionLines(result.actions).length ? table(actionLines(result.actions), '  ') : '  none',
    ...(rows.length ? ['', table([HEADER, ...rows])] : []),
  ].join('\n');
}
