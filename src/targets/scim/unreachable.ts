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
 * saying why.
 */
export async function fetchWithin(fetchImpl: typeof fetch, url: string, init: Omit<RequestInit, 'redirect' | 'signal'>, timeoutMs: number): Promise<Response> {
  try {
    return await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ScimUnreachableError(unreachableReason(error));
  }
}
