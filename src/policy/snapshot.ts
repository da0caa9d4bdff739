import { identityKeyAttribute, type PolicySet } from './loader.ts';
import { plan, type Plan } from './planner.ts';
import type { IdentityRecord } from './schema.ts';
import { landsIn } from '../targets/actions.ts';

export interface SnapshotPlan {
  plans: Plan[];
  /** Per policy and lifecycle, how many identities. */
  lifecycles: Record<string, Record<string, number>>;
  /** Per target (`mail` for notices), per action, and per group for group changes, how many steps. */
  actions: Record<string, Record<string, number>>;
  unchanged: number;
}

export class SnapshotError extends Error {}

function byKey(records: IdentityRecord[], keyAttribute: string, which: string): Map<string, IdentityRecord> {
  const map = new Map<string, IdentityRecord>();
  records.forEach((record, index) => {
    const key = record[keyAttribute];
    if (key === undefined || key === null || key === '') throw new SnapshotError(`${which} row ${index + 1} has no ${keyAttribute}`);
    if (map.has(String(key))) throw new SnapshotError(`${which} has ${keyAttribute} ${String(key)} twice`);
    map.set(String(key), record);
  });
  return map;
}

/** What a step counts as in the summary: its action, and each group it adds or removes. */
function entriesOf(step: Plan['steps'][number]): string[] {
  const { action } = step;
  if (action.action !== 'MANAGE_RELATIONSHIPS') return [action.action];
  return [
    action.action,
    ...action.add.map((group) => `  add ${group}`),
    ...action.remove.map((group) => `  remove ${group}`),
    ...(action.sync?.groups ?? []).map((group) => `  sync ${group}`),
  ];
}

/**
 * Plans a whole HR export against the one before it, as the identity workflows would plan each
 * row's change: a row only in the new export is a joiner's, a row only in the old one a
 * leaver's (removed from the source). Uses the same planner, so the dry run cannot disagree.
 */
export function planSnapshot(
  policySet: PolicySet,
  source: string,
  previous: IdentityRecord[],
  current: IdentityRecord[],
  now: string,
  onProgress: (done: number, total: number) => void = () => {},
): SnapshotPlan {
  const keyAttribute = identityKeyAttribute(policySet, source);
  if (keyAttribute === undefined) throw new SnapshotError(`no policy handles the source "${source}"`);
  const before = byKey(previous, keyAttribute, 'the previous snapshot');
  const after = byKey(current, keyAttribute, 'the snapshot');
  const keys = [...after.keys(), ...[...before.keys()].filter((key) => !after.has(key))];
  const result: SnapshotPlan = { plans: [], lifecycles: {}, actions: {}, unchanged: 0 };
  keys.forEach((key, index) => {
    const planned = plan(policySet, { source, key, previous: before.get(key), next: after.get(key) ?? null, now });
    if (index % 1000 === 999) onProgress(index + 1, keys.length);
    for (const [policy, lifecycle] of Object.entries(planned.lifecycles)) {
      const counts = (result.lifecycles[policy] ??= {});
      counts[lifecycle] = (counts[lifecycle] ?? 0) + 1;
    }
    const steps = [...planned.steps, ...planned.deferred.flatMap((deferred) => deferred.steps)];
    if (steps.length === 0 && planned.schedule.length === 0) {
      result.unchanged++;
      return;
    }
    for (const step of steps) {
      const counts = (result.actions[landsIn(step.action)] ??= {});
      for (const entry of entriesOf(step)) counts[entry] = (counts[entry] ?? 0) + 1;
    }
    result.plans.push(planned);
  });
  onProgress(keys.length, keys.length);
  return result;
}
