import { networkErrorCode } from '../../okta/errors.ts';
import { ScimUnreachableError } from './errors.ts';

/**
 * Why a request got no answer, in a word safe to log: the socket's error code (Node's fetch puts
 * it on the error's cause), `timeout`, or `no answer` for anything else the transport threw.
 */
function unreachableReason(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: unknown } | null)?.cause;
  return networkErrorCode(cause) ?? networkErrorCode(error) ?? 'no answer';
}

/**
 * One request to the application or its token endpoint, answered within `timeoutMs`. A redirect
 * is not followed (it would carry the credential elsewhere); no answer is a ScimUnreachableError
 * saying why. When `cancelled` aborts (the activity was cancelled), the request is dropped and its
 * reason thrown as it is, so that the activity ends as cancelled.
 */
export async function fetchWithin(
  fetchImpl: typeof fetch,
  url: string,
  init: Omit<RequestInit, 'redirect' | 'signal'>,
  timeoutMs: number,
  cancelled?: AbortSignal,
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await fetchImpl(url, { ...init, redirect: 'manual', signal: cancelled ? AbortSignal.any([timeout, cancelled]) : timeout });
  } catch (error) {
    if (cancelled?.aborted) throw cancelled.reason;
    throw new ScimUnreachableError(unreachableReason(error));
  }
}
