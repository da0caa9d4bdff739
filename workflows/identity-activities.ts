import { proxyActivities } from '@temporalio/workflow';
import type { ActingActivities, SourceActivities } from '../activities/index.ts';

/** The source side: planning a change, the mass-change guard, confirming the Okta user a source named. */
export const sources = proxyActivities<SourceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

// A target or SMTP being down delays a step; it must never drop it, so attempts are unlimited.
export const actions = proxyActivities<ActingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});
