import { setTimeout as sleep } from 'node:timers/promises';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { WorkflowType } from '../../workflows/definitions.ts';
import type { PolicySet } from '../policy/loader.ts';
import { oktaIsASource } from '../sources/okta-users.ts';
import type { TenureConfig } from './config.ts';

export const OKTA_RECONCILIATION_SCHEDULE = 'okta-reconciliation';
export const OKTA_LOG_POLL_SCHEDULE = 'okta-log-poll';
export const HR_EXPORT_PULL_SCHEDULE = 'hr-export-pull';

/** Temporal refuses a shorter catch-up window. */
const MIN_CATCHUP_WINDOW_MS = 10_000;

interface WantedSchedule {
  scheduleId: string;
  /** Undefined when the schedule is turned off, and so deleted. */
  everyMs: number | undefined;
  workflowType: string;
  args: unknown[];
  summary: string;
}

/** The schedules the configuration and the loaded policies ask for, each on or off. */
function wantedSchedules(config: TenureConfig, policySet: PolicySet): WantedSchedule[] {
  const okta = oktaIsASource(policySet);
  const logPollMs = okta ? config.oktaLogPollIntervalMs : undefined;
  return [
    {
      scheduleId: OKTA_RECONCILIATION_SCHEDULE,
      everyMs: okta ? config.oktaReconcileIntervalMs : undefined,
      workflowType: WorkflowType.oktaReconciliation,
      args: [],
      summary: `Full pass over the Okta users in scope${config.oktaScopeGroup ? ` (members of ${config.oktaScopeGroup})` : ''}`,
    },
    {
      scheduleId: OKTA_LOG_POLL_SCHEDULE,
      everyMs: logPollMs,
      workflowType: WorkflowType.oktaLogPoll,
      // The poll reads the window since the previous one, so it is told the interval.
      args: logPollMs === undefined ? [] : [{ intervalMs: logPollMs }],
      summary: 'Okta System Log polls between full passes, up to an hour of them per run',
    },
    {
      scheduleId: HR_EXPORT_PULL_SCHEDULE,
      everyMs: config.hrExportPath ? config.hrExportIntervalMs : undefined,
      workflowType: WorkflowType.hrExportPull,
      args: [],
      summary: `Import of the HR export ${config.hrExportPath ?? ''}`.trim(),
    },
  ];
}

type EnabledSchedule = WantedSchedule & { everyMs: number };

/**
 * A run that would overlap the one still running is skipped: the next pass sees everything the
 * skipped one would have. After an outage, a run missed within the last interval is made up.
 */
function scheduleOptions(wanted: EnabledSchedule, taskQueue: string): ScheduleUpdateOptions {
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: wanted.workflowType,
    // Temporal appends each run's scheduled time, so runs are told apart in the UI.
    workflowId: wanted.scheduleId,
    taskQueue,
    args: wanted.args,
    staticSummary: wanted.summary,
  };
  return {
    spec: { intervals: [{ every: wanted.everyMs }] },
    action,
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(wanted.everyMs, MIN_CATCHUP_WINDOW_MS) },
    state: {},
  };
}

/** Whether a schedule already is as wanted; its paused state and note are the operator's. */
function matches(current: ScheduleDescription, wanted: EnabledSchedule, options: ScheduleUpdateOptions): boolean {
  const { spec, action, policies } = current;
  return (
    spec.intervals?.length === 1 &&
    spec.intervals[0]!.every === wanted.everyMs &&
    action.workflowType === wanted.workflowType &&
    action.taskQueue === options.action.taskQueue &&
    JSON.stringify(action.args ?? []) === JSON.stringify(wanted.args) &&
    action.staticSummary === wanted.summary &&
    policies.overlap === options.policies?.overlap &&
    policies.catchupWindow === options.policies?.catchupWindow
  );
}

async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

async function ensureSchedule(client: Client, taskQueue: string, wanted: EnabledSchedule): Promise<void> {
  const options = scheduleOptions(wanted, taskQueue);
  try {
    await client.schedule.create({ scheduleId: wanted.scheduleId, ...options });
    return;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(wanted.scheduleId);
  if (matches(await handle.describe(), wanted, options)) return;
  await handle.update((previous) => ({ ...options, state: { paused: previous.state.paused, note: previous.state.note } }));
}

/**
 * Makes Tenure's Temporal Schedules match the configuration, at every start: Okta reconciliation
 * and System Log polling (while a policy has source `okta` and their intervals are set), and the
 * HR export pull (while an export path is set). A schedule whose interval or run changed is
 * updated, one turned off is deleted; a paused schedule stays paused.
 */
export async function ensureSchedules(client: Client, config: TenureConfig, taskQueue: string, policySet: PolicySet): Promise<void> {
  for (const wanted of wantedSchedules(config, policySet)) {
    const { everyMs } = wanted;
    if (everyMs === undefined) await deleteSchedule(client, wanted.scheduleId);
    else await ensureSchedule(client, taskQueue, { ...wanted, everyMs });
  }
}

/** How often `triggerSchedule` looks for the run it asked for. */
const TRIGGER_POLL_MS = 200;

/** A run a schedule started. Runs started within one second share a workflow id, so the run id tells them apart. */
export interface ScheduledRun {
  workflowId: string;
  runId: string;
}

/**
 * Runs a schedule's workflow now, and answers the run once it has started. A run still in
 * progress is let finish first, so that the run asked for starts after everything before the
 * call. Throws when the schedule does not exist, or the run has not started within `withinMs`.
 */
export async function triggerSchedule(client: Client, scheduleId: string, { withinMs = 10 * 60_000 } = {}): Promise<ScheduledRun> {
  const handle = client.schedule.getHandle(scheduleId);
  const runsOf = ({ info }: ScheduleDescription): ScheduledRun[] =>
    [...info.recentActions.map(({ action }) => action.workflow), ...info.runningActions.map(({ workflow }) => workflow)].map(({ workflowId, firstExecutionRunId }) => ({
      workflowId,
      runId: firstExecutionRunId,
    }));
  const before = new Set(runsOf(await handle.describe()).map(({ runId }) => runId));
  await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  const deadline = Date.now() + withinMs;
  for (;;) {
    const started = runsOf(await handle.describe()).find(({ runId }) => !before.has(runId));
    if (started) return started;
    if (Date.now() > deadline) throw new Error(`schedule ${scheduleId} was triggered, but its run has not started within ${withinMs / 1000} s`);
    await sleep(TRIGGER_POLL_MS);
  }
}
