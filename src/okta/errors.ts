import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { msUntilReset, type HeaderSource } from './pacing.ts';

interface OktaErrorShape {
  status: number;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: Array<{ errorSummary?: string }>;
  headers?: HeaderSource;
}

export function isOktaApiError(error: unknown): error is OktaErrorShape {
  return typeof error === 'object' && error !== null && 'status' in error && 'errorCode' in error;
}

export function hasErrorCode(error: unknown, code: string): boolean {
  return isOktaApiError(error) && error.errorCode === code;
}

/** An answer from Okta that failed: an Okta error, or the SDK's HttpError for a body that is not JSON (a proxy's page). */
export function failedAnswer(error: unknown): OktaErrorShape | undefined {
  if (isOktaApiError(error)) return error;
  if (!(error instanceof Error) || error.name !== 'HttpError') return undefined;
  // HttpError's message quotes the body, which is no Okta error to show: only the status is kept.
  const { status, headers } = error as Error & { status?: unknown; headers?: HeaderSource };
  return typeof status === 'number' ? { status, headers } : undefined;
}

/**
 * Transport failures: Okta was not reached, or stopped answering midway. node-fetch, which the
 * SDK calls through, reports them as a FetchError carrying the socket's error code.
 */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

function isNetworkError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}

/** Okta's SDKs wait a second past the reset: `Date` has whole seconds, and clocks differ by less. */
const RESET_MARGIN_MS = 1000;

function describe(doing: string, error: OktaErrorShape): string {
  const causes = (error.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
  const answer = [error.status, error.errorCode, error.errorSummary].filter((part) => part !== undefined && part !== '').join(' ');
  return `${doing}: Okta answered ${answer}${causes.length ? ` (${causes.join('; ')})` : ''}`;
}

function detailsOf(error: OktaErrorShape) {
  return {
    status: error.status,
    errorCode: error.errorCode,
    errorSummary: error.errorSummary,
    errorCauses: (error.errorCauses ?? []).map((cause) => cause.errorSummary),
  };
}

/** When to try again after a 429: at the window's reset, or at the retry policy's pace when Okta did not say. */
function retryDelayAfter429(error: OktaErrorShape): number | undefined {
  const untilReset = error.headers && msUntilReset(error.headers, Date.now());
  return untilReset === undefined ? undefined : untilReset + RESET_MARGIN_MS;
}

/**
 * Classifies an Okta failure where it happens. A 429 is retried when Okta's rate-limit window
 * resets; 5xx answers and network failures are passing, and are retried at the retry policy's
 * backoff; a 401 (the credential refused: revoked, expired, or a service app's key rotated) is
 * retried too, so that the work waits for a fixed credential instead of being dropped; any other
 * 4xx is final, and carries Okta's code and summary to the Temporal UI.
 *
 * The retried ones are BENIGN: the worker logs their attempts at DEBUG, not as a warning with a
 * stack each time. The Okta client's health watch (src/okta/health.ts) says once, in one line,
 * that Okta is failing, and once that it answers again.
 */
export function toActivityError(error: unknown, doing: string): Error {
  const failed = failedAnswer(error);
  const benign = ApplicationFailureCategory.BENIGN;
  if (failed?.status === 429) {
    return ApplicationFailure.create({
      message: describe(doing, failed),
      type: 'OktaRateLimited',
      details: [detailsOf(failed)],
      nextRetryDelay: retryDelayAfter429(failed),
      category: benign,
    });
  }
  if (failed !== undefined && failed.status >= 500) {
    return ApplicationFailure.create({ message: describe(doing, failed), type: 'OktaUnavailable', details: [detailsOf(failed)], category: benign });
  }
  if (failed?.status === 401) {
    return ApplicationFailure.create({ message: describe(doing, failed), type: 'OktaCredentialRefused', details: [detailsOf(failed)], category: benign });
  }
  if (failed !== undefined && failed.status >= 400) {
    return ApplicationFailure.nonRetryable(describe(doing, failed), 'OktaError', detailsOf(failed));
  }
  if (isNetworkError(error)) {
    return ApplicationFailure.create({ message: `${doing}: Okta could not be reached: ${error.message}`, type: 'OktaUnreachable', category: benign });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The socket error code of a transport failure (ECONNREFUSED …), for one line that names it. */
export function networkErrorCode(error: unknown): string | undefined {
  return isNetworkError(error) ? (error as Error & { code: string }).code : undefined;
}
