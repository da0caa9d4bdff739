import { ApplicationFailure } from '@temporalio/common';
import { changes } from '../src/metrics/registry.ts';
import type { PolicySet } from '../src/policy/loader.ts';
import { plan, planTrigger, PlanError, type Change, type DueTrigger, type Plan } from '../src/policy/planner.ts';

/** A plan that cannot be made (a value the record lacks) is final: retrying cannot change it. */
function planning(make: () => Plan): Plan {
  try {
    return make();
  } catch (error) {
    if (error instanceof PlanError) throw ApplicationFailure.nonRetryable(error.message, 'PlanError');
    throw error;
  }
}

export function planActivities(policySet: PolicySet) {
  return {
    /** The plan is this activity's result, so it stands in the workflow history with its policy hash. */
    async planChange(change: Change): Promise<Plan> {
      const made = planning(() => plan(policySet, change));
      // Once per kind, however many of the source's policies classify the change so.
      for (const kind of new Set(Object.values(made.lifecycles))) changes.inc({ kind, source: made.source });
      return made;
    },
    async planTrigger(due: DueTrigger): Promise<Plan> {
      return planning(() => planTrigger(policySet, due));
    },
  };
}
