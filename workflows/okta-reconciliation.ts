import { patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { LogPollResult, OktaSourceActivities, ReconcileResult, Skipped } from '../activities/okta-source.ts';
import { ScheduledStartTime } from './definitions.ts';

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
  /** ISO instant: where the first window ends; by default when the run started. */
  until?: string;
}

/** What a run's polls found, added up. */
export type LogPollRunResult = LogPollResult | (Exclude<LogPollResult, Skipped> & { polls: number });

/**
 * How long one run keeps polling. A run per poll would put 1,440 runs a day in the Temporal UI's
 * list at the default minute; a run of an hour's polls puts 24, each under 700 history events.
 */
const LOG_POLL_RUN_SPAN_MS = 60 * 60_000;

/**
 * Reads the System Log events published since the previous poll and hands them to the identity
 * workflows, then again every interval for up to an hour, each poll reading on from where the
 * one before ended; the schedule skips its runs while this one polls. The first window ends when
 * the run started, which is its schedule's time or just after: that time is whole seconds for a
 * run triggered by hand, and would leave out what happened in the second before. A poll delayed by
 * an outage (of the worker, or of Okta) reads everything since the one before: it is late, never
 * short.
 */
export async function oktaLogPoll(input: OktaLogPollInput): Promise<LogPollRunResult> {
  let until = input.until === undefined ? workflowInfo().startTime : new Date(input.until);
  const first = await pollOktaSystemLog({ since: new Date(until.getTime() - input.intervalMs - LOG_POLL_OVERLAP_MS).toISOString(), until: until.toISOString() });
  // Runs started before polls were batched made one poll each.
  if ('skipped' in first || !patched('log-poll-run')) return first;
  const totals = { ...first, polls: 1 };
  const runEnds = until.getTime() + LOG_POLL_RUN_SPAN_MS;
  for (;;) {
    const next = until.getTime() + input.intervalMs;
    if (next > runEnds || workflowInfo().continueAsNewSuggested) return totals;
    await sleep(Math.max(1, next - Date.now()), { summary: `next System Log poll at ${new Date(next).toISOString()}` });
    const since = new Date(until.getTime() - LOG_POLL_OVERLAP_MS);
    until = new Date();
    const found = await pollOktaSystemLog({ since: since.toISOString(), until: until.toISOString() });
    if ('skipped' in found) return totals;
    totals.polls += 1;
    totals.events += found.events;
    totals.delivered += found.delivered;
    totals.superseded += found.superseded;
    totals.ignored += found.ignored;
  }
}
