import { condition, log, patched } from '@temporalio/workflow';
import { failureReason } from './failure-reason.ts';
import { sources } from './identity-activities.ts';
import type { Approvals } from './identity-approvals.ts';
import type { IdentityState } from './identity-state.ts';
import type { StepRunner } from './identity-steps.ts';

/** A moment the identity waits for, and what waits for it, in words for the timer's summary. */
export interface Moment {
  at: number;
  label: string;
}

/** The identity's timed moments: `effective` dates, date triggers, and approval deadlines. */
export class Moments {
  constructor(
    private readonly state: IdentityState,
    private readonly runner: Pick<StepRunner, 'runSteps'>,
    private readonly approvals: Pick<Approvals, 'expire'>,
  ) {}

  /** The earliest moment the identity waits for. */
  next(): Moment | undefined {
    const { state } = this;
    const moments = [
      ...state.deferred.map(({ id, at }) => ({ at, label: `until effective ${at}: ${id}` })),
      ...state.schedule.map(({ id, at }) => ({ at, label: `date trigger ${id} at ${at}` })),
      ...state.approvals.map(({ id, action, deadline }) => ({ at: deadline, label: `approval deadline ${action} · ${id} at ${deadline}` })),
    ].map(({ at, label }) => ({ at: Date.parse(at), label }));
    if (moments.length === 0) return undefined;
    const at = Math.min(...moments.map((moment) => moment.at));
    const due = moments.filter((moment) => moment.at === at);
    return { at, label: `${due[0]!.label}${due.length > 1 ? ` (+${due.length - 1} more)` : ''}` };
  }

  /** Waits for `ready` or the moment, whichever is first; answers whether `ready` came first. */
  waitUntil(moment: Moment, ready: () => boolean): Promise<boolean> {
    const timeout = Math.max(1, moment.at - Date.now());
    // The timer's summary is what the Temporal UI shows for it; histories from before it have unlabelled timers.
    return patched('labelled-timers') ? condition(ready, timeout, { summary: moment.label }) : condition(ready, timeout);
  }

  /**
   * Runs the deferred steps and date triggers whose moment has come, and expires overdue
   * approvals. Each is settled on its own, so one that fails cannot drop the others.
   */
  async runDue(): Promise<void> {
    const { state } = this;
    const now = Date.now();
    const due = <T>(items: T[], at: (item: T) => string) => items.filter((item) => Date.parse(at(item)) <= now);
    const dueDeferred = due(state.deferred, ({ at }) => at);
    const dueTriggers = due(state.schedule, ({ at }) => at);
    const expired = due(state.approvals, ({ deadline }) => deadline);
    state.deferred = state.deferred.filter((deferred) => !dueDeferred.includes(deferred));
    state.schedule = state.schedule.filter((trigger) => !dueTriggers.includes(trigger));
    state.approvals = state.approvals.filter((approval) => !expired.includes(approval));
    for (const approval of expired) await this.settle(() => this.approvals.expire(approval));
    for (const { id, at, steps, onFailure } of dueDeferred) {
      await this.settle(() => this.runner.runSteps({ steps, onFailure: onFailure ? { [id]: onFailure } : {} }, `${id}@${at}`));
    }
    for (const trigger of dueTriggers) {
      await this.settle(async () => {
        const plan = await sources.planTrigger({ source: state.source, key: state.key, record: state.record, trigger: trigger.id, now: new Date().toISOString() });
        state.schedule = plan.schedule;
        return this.runner.runSteps(plan, `${trigger.id}@${trigger.at}`);
      });
    }
  }

  /** Runs scheduled work, recording a final failure as the identity's last error. */
  private async settle(work: () => Promise<Error | undefined>): Promise<void> {
    try {
      const failure = await work();
      if (failure) throw failure;
    } catch (error) {
      const cause = failureReason(error);
      this.state.lastError = cause;
      log.error('A scheduled step could not be applied', { error: cause });
    }
  }
}
