import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * The reason a final failure gives, for the status and the onFailure notice: the one place
 * workflow code reads a failure. Activities and targets classify theirs where they occur (typed
 * ApplicationFailures, the retried ones BENIGN); what reaches here is final, and only its words
 * are kept. Anything else is a bug in the workflow code, and is thrown again so that the workflow
 * task fails and is retried once the code is fixed, never recorded as the identity's error.
 */
export function failureReason(error: unknown): string {
  if (error instanceof ActivityFailure) return error.cause?.message ?? error.message;
  if (error instanceof ApplicationFailure) return error.message;
  throw error;
}
