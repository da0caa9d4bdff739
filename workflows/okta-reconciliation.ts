import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LogPollResult, OktaSourceActivities, ReconcileResult } from '../activities/okta-source.ts';

/** Set by Temporal on every run a schedule starts: the moment the run stands for. */
export const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * How far each System Log poll reaches back before where the previous one ended. Okta's System Log
 * is near real-time: an event can become readable a little after the time it is published at,
 * and the clocks of Temporal and Okta differ. Reading a window twice is harmless, because the
 * identity workflows drop an event uuid they have applied.
 */
const LOG_POLL_OVERLAP_MS = 2 * 60_000;

// Okta being down or rate limiting delays a pass; it must never drop it, so attempts are unlimited.
const { reconcileOktaUsers, pollOktaSystemLog } = proxyActivities<OktaSourceActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

export interface OktaReconciliationInput {
  /** ISO instant that names the pass; by default its schedule's time, else when it was started. */
  scheduledAt?: string;
}

/** One full pass over the Okta users in scope (activities/okta-source.ts). */
export async function oktaReconciliation(input: OktaReconciliationInput = {}): Promise<ReconcileResult> {
  const info = workflowInfo();
  const scheduledAt = input.scheduledAt ?? (info.typedSearchAttributes.get(ScheduledStartTime) ?? info.startTime).toISOString();
  return reconcileOktaUsers({ scheduledAt });
}

export interface OktaLogPollInput {
  /** How often the schedule polls: each poll reads the window since the one before, and a little more. */
  intervalMs: number;
  /** ISO instant: where the window ends; by default when the run started. */
  until?: string;
}

/**
 * Reads the System Log events published since the previous poll and hands them to the identity
 * workflows. The window ends when the run started, which is its schedule's time or just after:
 * that time is whole seconds for a run triggered by hand, and would leave out what happened in
 * the second before.
 */
export async function oktaLogPoll(input: OktaLogPollInput): Promise<LogPollResult> {
  const until = input.until === undefined ? workflowInfo().startTime : new Date(input.until);
  const since = new Date(until.getTime() - input.intervalMs - LOG_POLL_OVERLAP_MS);
  return pollOktaSystemLog({ since: since.toISOString(), until: until.toISOString() });
}
