import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { correlationIdOf } from '../src/logging/correlation-header.ts';
import { withCorrelationId } from '../src/logging/correlation-context.ts';

/**
 * Reads the correlation id the workflow put on an activity (workflows/correlation-interceptors.ts)
 * and adds it to the activity's log attributes as `correlationId`; the changes an activity hands
 * to identity workflows (an HR pull, a reconciliation, a held batch released) carry it on. The
 * SDK's "Activity started" line is written before the id is read; "Activity completed" and
 * "Activity failed" carry it.
 */
export const correlationActivityInterceptor: ActivityInterceptorsFactory = () => {
  let correlationId: string | undefined;
  return {
    inbound: {
      execute: (input, next) => {
        correlationId = correlationIdOf(input.headers);
        return withCorrelationId(correlationId, () => next(input));
      },
    },
    outbound: {
      getLogAttributes: (input, next) => {
        // The task token completes the activity for whoever holds it: a credential, not a log field.
        const { taskToken: _taskToken, ...attributes } = next(input);
        return correlationId === undefined ? attributes : { ...attributes, correlationId };
      },
    },
  };
};
