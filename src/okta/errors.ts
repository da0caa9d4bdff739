import { ApplicationFailure } from '@temporalio/common';

interface OktaErrorShape {
  status: number;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: Array<{ errorSummary?: string }>;
}

export function isOktaApiError(error: unknown): error is OktaErrorShape {
  return typeof error === 'object' && error !== null && 'status' in error && 'errorCode' in error;
}

export function hasErrorCode(error: unknown, code: string): boolean {
  return isOktaApiError(error) && error.errorCode === code;
}

/**
 * Classifies an Okta failure where it happens: 429 and 5xx are passing and are retried by
 * Temporal; any other 4xx is final, and carries Okta's code and summary to the Temporal UI.
 */
export function toActivityError(error: unknown, doing: string): Error {
  if (isOktaApiError(error) && error.status >= 400 && error.status < 500 && error.status !== 429) {
    const causes = (error.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
    return ApplicationFailure.nonRetryable(
      `${doing}: Okta answered ${error.status} ${error.errorCode} ${error.errorSummary}${causes.length ? ` (${causes.join('; ')})` : ''}`,
      'OktaError',
      { status: error.status, errorCode: error.errorCode, errorSummary: error.errorSummary },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
