import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { withCorrelationHeader } from './correlation-header.ts';

/**
 * The correlation id of the work in progress in this process: the intake's request, or the
 * activity being run. Client calls made meanwhile carry it to the workflows they signal or start.
 */
const current = new AsyncLocalStorage<string>();

export function withCorrelationId<T>(id: string | undefined, work: () => T): T {
  return id === undefined ? work() : current.run(id, work);
}

export const newCorrelationId = (): string => randomUUID();

const idOfThisCall = () => current.getStore() ?? newCorrelationId();

/**
 * Puts the current correlation id (or a new one, for a call made outside a request or an
 * activity, such as the SCIM outbox relay's) on every workflow start and signal a client sends.
 */
export const correlationClientInterceptor: WorkflowClientInterceptor = {
  startWithDetails: (input, next) => next(withCorrelationHeader(input, idOfThisCall())),
  signal: (input, next) => next(withCorrelationHeader(input, idOfThisCall())),
  signalWithStart: (input, next) => next(withCorrelationHeader(input, idOfThisCall())),
};
