import type { Payload } from '@temporalio/common';
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { correlationIdOf, withCorrelationHeader } from '../src/logging/correlation-header.ts';

/**
 * Carries the correlation id from the signal or start that brought work to a workflow to the
 * activities it schedules, so that an activity's log lines name the request that caused them.
 * The id noted is that of the latest signal (or start) that carried one: a change queued behind
 * another is acted on under its own id once its signal has arrived, and a signal without an id
 * (the mass-change guard's answer) leaves the noted one as it is. A workflow nothing named (a
 * scheduled HR pull) goes by its run id. Headers take no part in replay's determinism check, so
 * this changes no command a workflow makes.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let noted: string | undefined;
  const current = () => noted ?? workflowInfo().runId;
  const note = (headers: Record<string, Payload>) => {
    noted = correlationIdOf(headers) ?? noted;
  };
  return {
    inbound: [
      {
        execute: (input, next) => {
          note(input.headers);
          return next(input);
        },
        handleSignal: (input, next) => {
          note(input.headers);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(withCorrelationHeader(input, current())),
        scheduleLocalActivity: (input, next) => next(withCorrelationHeader(input, current())),
        // The next run acts on the changes this one carried over, under the id they came with.
        continueAsNew: (input, next) => next(noted === undefined ? input : withCorrelationHeader(input, noted)),
        getLogAttributes: (input, next) => next({ ...input, correlationId: current() }),
      },
    ],
  };
};
