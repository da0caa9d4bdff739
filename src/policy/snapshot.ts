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
    map.set(snapshotKey(record, keyAttribute, which, index, map), record);
  });
  return map;
}

/** A row's identity key; refuses a row without one, and a key the snapshot has given before (`seen`). */
export function snapshotKey(record: IdentityRecord, keyAttribute: string, which: string, index: number, seen: { has(key: string): boolean }): string {
  const key = record[keyAttribute];
  if (key === undefined || key === null || key === '') throw new SnapshotError(`${which} row ${index + 1} has no ${keyAttribute}`);
  if (seen.has(String(key))) throw new SnapshotError(`${which} has ${keyAttribute} ${String(key)} twice`);
  return String(key);
}

/** The identity key of a source's records, or SnapshotError when no policy handles the source. */
export function snapshotKeyAttribute(policySet: PolicySet, source: string): string {
  const keyAttribute = identityKeyAttribute(policySet, source);
  if (keyAttribute === undefined) throw new SnapshotError(`no policy handles the source "${source}"`);
  return keyAttribute;
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
 * Plans a snapshot one identity at a time and keeps the counts. It keeps each changed identity's
 * plan only when asked (`keepPlans`, for a dry run's table): an import of a million rows keeps
 * the counts, and hands each plan back to its caller, which keeps what it needs of it.
 */
export class SnapshotPlanner {
  readonly result: SnapshotPlan = { plans: [], lifecycles: {}, actions: {}, unchanged: 0 };

  constructor(
    private readonly policySet: PolicySet,
    private readonly source: string,
    private readonly now: string,
    private readonly keepPlans: boolean,
  ) {}

  /** Plans one identity's change and counts it; returns the plan when it has steps or a schedule, else undefined. */
  add(key: string, previous: IdentityRecord | undefined, next: IdentityRecord | null): Plan | undefined {
    const { result } = this;
    const planned = plan(this.policySet, { source: this.source, key, previous, next, now: this.now });
    for (const [policy, lifecycle] of Object.entries(planned.lifecycles)) {
      const counts = (result.lifecycles[policy] ??= {});
      counts[lifecycle] = (counts[lifecycle] ?? 0) + 1;
    }
    const steps = [...planned.steps, ...planned.deferred.flatMap((deferred) => deferred.steps)];
    if (steps.length === 0 && planned.schedule.length === 0) {
      result.unchanged++;
      return undefined;
    }
    for (const step of steps) {
      const counts = (result.actions[landsIn(step.action)] ??= {});
      for (const entry of entriesOf(step)) counts[entry] = (counts[entry] ?? 0) + 1;
    }
    if (this.keepPlans) result.plans.push(planned);
    return planned;
  }
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
  const keyAttribute = snapshotKeyAttribute(policySet, source);
  const before = byKey(previous, keyAttribute, 'the previous snapshot');
  const after = byKey(current, keyAttribute, 'the snapshot');
  const keys = [...after.keys(), ...[...before.keys()].filter((key) => !after.has(key))];
  const planner = new SnapshotPlanner(policySet, source, now, true);
  keys.forEach((key, index) => {
    planner.add(key, before.get(key), after.get(key) ?? null);
    if (index % 1000 === 999) onProgress(index + 1, keys.length);
  });
  onProgress(keys.length, keys.length);
  return planner.result;
}
