import type { Plan } from '../policy/planner.ts';

/**
 * When a mass change is held: more deprovisionings within `windowMs` than `maxCount`, or than
 * `maxShare` of the source's active identities. A bad export (an empty CSV) or a runaway source
 * is an incident, not a change to apply.
 */
export interface GuardLimits {
  maxCount: number;
  /** A share of the active identities, 0–1. */
  maxShare: number;
  windowMs: number;
}

/**
 * Below this many deprovisionings the share does not hold a change: in a team of ten, two
 * leavers in an hour are a fifth of it, and still no incident.
 */
export const SHARE_FLOOR = 5;

/** Why `count` deprovisionings are a mass change, or undefined when they are not. */
export function massChangeReason(limits: GuardLimits, count: number, active: number): string | undefined {
  if (count > limits.maxCount) return `${count} deprovisionings exceed the limit of ${limits.maxCount}`;
  const allowed = Math.max(SHARE_FLOOR, Math.floor(limits.maxShare * active));
  if (count > allowed) return `${count} deprovisionings exceed ${Math.round(limits.maxShare * 100)}% of the ${active} active identities`;
  return undefined;
}

const DEPROVISIONING: ReadonlySet<string> = new Set(['DEPROVISION_IDENTITY', 'DELETE_IDENTITY']);

/** Whether a plan takes an identity's access away, now or at a later moment: what the guard counts. */
export function deprovisions(plan: Pick<Plan, 'steps' | 'deferred'>): boolean {
  return [...plan.steps, ...plan.deferred.flatMap(({ steps }) => steps)].some(({ action }) => DEPROVISIONING.has(action.action));
}
