import { changeLookup, holds } from './compiled.ts';
import type { IdentityRecord, LifecycleEvent, Policy } from './schema.ts';

export type Lifecycle = LifecycleEvent | 'none';

/**
 * What the source last said of an identity: `undefined` when it never spoke of it, `null` when it
 * said the identity is gone (removed from the source), else the record.
 */
export type Snapshot = IdentityRecord | null | undefined;

export function isActive(policy: Policy, record: Snapshot): boolean {
  return !!record && !holds(policy.identity.inactive, changeLookup(undefined, record));
}

type Value = IdentityRecord[string] | undefined;

/** An empty list holds no value, as null and absent do: a SCIM user in no group has `groups: []`. */
const normal = (value: Value) => (value === undefined || (Array.isArray(value) && value.length === 0) ? null : value);

/**
 * Whether two values are the same. Two lists are the same when they hold the same elements, in
 * any order: a source may list a user's groups in any order, and only a membership that comes or
 * goes is a change.
 */
export function same(a: Value, b: Value): boolean {
  const left = normal(a);
  const right = normal(b);
  if (!Array.isArray(left) || !Array.isArray(right)) return left === right;
  if (left.length !== right.length) return false;
  const sorted = (list: readonly string[]) => [...list].sort();
  const other = sorted(right);
  return sorted(left).every((element, index) => element === other[index]);
}

/** Whether two records hold the same values (null and absent alike); most rows of a daily export have not changed. */
export function sameRecord(a: IdentityRecord, b: IdentityRecord): boolean {
  for (const name in a) if (!same(a[name], b[name])) return false;
  for (const name in b) if (!(name in a) && !same(undefined, b[name])) return false;
  return true;
}

/** The attributes whose values differ between two records, in the order they first appear. */
export function changedAttributes(a: IdentityRecord, b: IdentityRecord): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((name) => !same(a[name], b[name]));
}

/**
 * Classifies a change as the policy sees it: which lifecycle event, if any, it is. Becoming
 * active is a rehire only for an identity that was active before; `everActive` says so when the
 * caller knows the identity's history (the identity workflow does). Without it, an identity the
 * source spoke of before is taken to have been active. `leaving` says that a leaver's steps
 * still wait for their effective moment: the person has not left, so becoming active again is
 * the termination rescinded, a mover or an update, and no rehire.
 */
export function classify(policy: Policy, previous: Snapshot, next: IdentityRecord | null, everActive?: boolean, leaving = false): Lifecycle {
  if (previous && next && sameRecord(previous, next)) return 'none';
  const wasActive = isActive(policy, previous);
  const isNowActive = isActive(policy, next);
  const rescinded = leaving && !wasActive && isNowActive && !!previous;
  if (!wasActive && isNowActive && !rescinded) return (everActive ?? previous !== undefined) ? 'rehire' : 'joiner';
  if (wasActive && !isNowActive) return 'leaver';
  if ((!wasActive && !rescinded) || !previous || !next) return 'none';
  if (policy.identity.moverAttributes.some((name) => !same(previous[name], next[name]))) return 'mover';
  return 'update';
}
