import { ApplicationFailure } from '@temporalio/common';
import type { PolicySet } from '../src/policy/loader.ts';
import { plan, PlanError, type Change, type Plan } from '../src/policy/planner.ts';

export function planActivities(policySet: PolicySet) {
  return {
    /** The plan is this activity's result, so it stands in the workflow history with its policy hash. */
    async planChange(change: Change): Promise<Plan> {
      try {
        return plan(policySet, change);
      } catch (error) {
        if (error instanceof PlanError) throw ApplicationFailure.nonRetryable(error.message, 'PlanError');
        throw error;
      }
    },
  };
}
