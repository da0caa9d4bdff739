import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { retryAfterMs } from '../../scim/protocol.ts';

/**
 * A SCIM application's answer that was not a success, as RFC 7644 §3.12 shapes it. Only the
 * status, the fixed `scimType` word and the app's own `detail` are kept: never the request, its
 * token, nor the rest of the body.
 */
export class ScimAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    readonly detail: string | undefined,
    /** The Retry-After header as sent, if any. */
    readonly retryAfter: string | null,
  ) {
    super(`answered ${[status, scimType, detail].filter(Boolean).join(' ')}`);
    this.name = 'ScimAnswerError';
  }
}

/** The application was not reached, or did not answer in time: `reason` is a socket error code or `timeout`. */
export class ScimUnreachableError extends Error {
  constructor(readonly reason: string) {
    super(`could not be reached (${reason})`);
    this.name = 'ScimUnreachableError';
  }
}

/**
 * The OAuth 2.0 token endpoint refused or failed to issue a token. `error` is the fixed code of
 * RFC 6749 §5.2 (`invalid_client` …); its description is left out, as anything else in the body.
 */
export class TokenEndpointError extends Error {
  constructor(
    readonly status: number,
    readonly error: string | undefined,
  ) {
    super(`the token endpoint answered ${[status, error].filter(Boolean).join(' ')}`);
    this.name = 'TokenEndpointError';
  }
}

/** An app's `detail` is free text: one line, and short enough for the Temporal UI. */
const MAX_DETAIL = 500;

export function cleanDetail(detail: unknown): string | undefined {
  if (typeof detail !== 'string') return undefined;
  const line = detail.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}…` : line;
}

/** scimType is a word from RFC 7644's table; anything else in its place is not shown. */
export function cleanScimType(scimType: unknown): string | undefined {
  return typeof scimType === 'string' && /^[A-Za-z]{1,40}$/.test(scimType) ? scimType : undefined;
}

export function isScimAnswer(error: unknown, status: number): error is ScimAnswerError {
  return error instanceof ScimAnswerError && error.status === status;
}

/**
 * Why the application did not answer as asked, in a few words that do not name it, for a caller
 * that names it and says it was not reached: the socket's code or `timeout` alone, `answered 503 …`,
 * or what its token endpoint answered.
 */
export function failureReason(error: unknown): string {
  if (error instanceof ScimUnreachableError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}

const benign = ApplicationFailureCategory.BENIGN;

/**
 * Classifies a SCIM application's failure where it happens, as src/okta/errors.ts does Okta's:
 * a 429 is retried when its Retry-After says (seconds or an HTTP date; at the retry policy's pace
 * when absent); 5xx answers and unreached apps are passing and retried with backoff; a 401 or 403
 * (the credential refused: revoked, rotated, or the integration disabled, as Kestra's can be) is
 * retried too, so that the work waits for a fixed credential instead of being dropped; any other
 * 4xx is final and carries the app's status, scimType and detail to the Temporal UI. The retried
 * ones are BENIGN: the worker logs their attempts at DEBUG, not as a warning each time.
 */
export function toTargetError(error: unknown, doing: string, target: string): Error {
  if (error instanceof ScimAnswerError) {
    const message = `${doing}: ${target} ${error.message}`;
    const details = [{ status: error.status, scimType: error.scimType, detail: error.detail }];
    if (error.status === 429) {
      const nextRetryDelay = retryAfterMs(error.retryAfter, Date.now());
      return ApplicationFailure.create({ message, type: 'ScimRateLimited', details, nextRetryDelay, category: benign });
    }
    if (error.status >= 500) return ApplicationFailure.create({ message, type: 'ScimUnavailable', details, category: benign });
    if (error.status === 401 || error.status === 403) {
      return ApplicationFailure.create({ message: `${message} (credential refused)`, type: 'ScimCredentialRefused', details, category: benign });
    }
    return ApplicationFailure.nonRetryable(message, 'ScimError', ...details);
  }
  if (error instanceof TokenEndpointError) {
    // The token endpoint down or busy passes; one refusing the client waits for fixed credentials.
    const refused = error.status !== 429 && error.status < 500;
    return ApplicationFailure.create({
      message: `${doing}: ${target}: ${error.message}${refused ? ' (credential refused)' : ''}`,
      type: refused ? 'ScimCredentialRefused' : 'ScimUnavailable',
      category: benign,
    });
  }
  if (error instanceof ScimUnreachableError) {
    return ApplicationFailure.create({ message: `${doing}: ${target} ${error.message}`, type: 'ScimUnreachable', category: benign });
  }
  return error instanceof Error ? error : new Error(String(error));
}
