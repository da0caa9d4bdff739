import type { IdentityRecord, Policy } from './schema.ts';

export type Lifecycle = 'joiner' | 'mover' | 'leaver' | 'rehire' | 'update' | 'none';

/**
 * What the source last said of an identity: `undefined` when it never spoke of it, `null` when it
 * said the identity is gone (removed from the source), else the record.
 */
export type Snapshot = IdentityRecord | null | undefined;

function isActive(policy: Policy, record: Snapshot): boolean {
  if (!record) return false;
  const value = String(record[policy.identity.inactive.attribute] ?? '').toLowerCase();
  return !policy.identity.inactive.values.some((inactive) => inactive.toLowerCase() === value);
}

const same = (a: IdentityRecord[string] | undefined, b: IdentityRecord[string] | undefined) => (a ?? null) === (b ?? null);

/** Classifies a change as the policy sees it: which lifecycle event, if any, it is. */
export function classify(policy: Policy, previous: Snapshot, next: IdentityRecord | null): Lifecycle {
  const wasActive = isActive(policy, previous);
  const isNowActive = isActive(policy, next);
  if (!wasActive && isNowActive) return previous === undefined ? 'joiner' : 'rehire';
  if (wasActive && !isNowActive) return 'leaver';
  if (!wasActive || !previous || !next) return 'none';
  if (policy.identity.moverAttributes.some((name) => !same(previous[name], next[name]))) return 'mover';
  const names = new Set([...Object.keys(previous), ...Object.keys(next)]);
  return [...names].some((name) => !same(previous[name], next[name])) ? 'update' : 'none';
}
