import type { HookChannel } from './event-hook-input.ts';
import { newToken } from './ids.ts';

/**
 * Okta's outbound calls to an event hook's endpoint: the one-time verification (GET) and event
 * deliveries (POST). Each call has a timeout (3 s at Okta) and is retried once after a timeout, a
 * network error or a 5xx answer; a 4xx answer is final.
 */

export const DEFAULT_HOOK_TIMEOUT_MS = 3000;

type CallResult = { ok: true } | { ok: false; reason: string };

type Attempt = CallResult & { retryable?: boolean };

const USER_AGENT = 'Okta-Integrations';

/** The hook's own headers, then its secret header, then the ones Okta sets itself. */
function requestHeaders(channel: HookChannel, own: Record<string, string>): Headers {
  const headers = new Headers();
  for (const { key, value } of channel.headers) headers.set(key, value);
  if (channel.authScheme) headers.set(channel.authScheme.key, channel.authScheme.value);
  headers.set('Accept', 'application/json');
  headers.set('User-Agent', USER_AGENT);
  for (const [key, value] of Object.entries(own)) headers.set(key, value);
  return headers;
}

/** Sends one request; `judge` reads a 2xx answer within the same time limit. */
async function attempt(
  uri: string,
  init: RequestInit,
  timeoutMs: number,
  judge: (response: Response) => Promise<CallResult>,
): Promise<Attempt> {
  try {
    const response = await fetch(uri, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) return await judge(response);
    await response.body?.cancel();
    return { ok: false, reason: `The endpoint answered ${response.status}`, retryable: response.status >= 500 };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    const reason = timedOut ? `No answer within ${timeoutMs} ms` : 'The endpoint could not be reached';
    return { ok: false, reason, retryable: true };
  }
}

async function withOneRetry(call: () => Promise<Attempt>): Promise<CallResult> {
  const first = await call();
  const result = !first.ok && first.retryable ? await call() : first;
  return result.ok ? { ok: true } : { ok: false, reason: result.reason };
}

/** Okta's challenge: the endpoint must answer `{"verification": <the x-okta-verification-challenge header>}`. */
export function verifyEndpoint(channel: HookChannel, timeoutMs: number): Promise<CallResult> {
  const challenge = newToken(40);
  const headers = requestHeaders(channel, { 'X-Okta-Verification-Challenge': challenge });
  return withOneRetry(() =>
    attempt(channel.uri, { method: 'GET', headers }, timeoutMs, async (response) => {
      const body: unknown = await response.json().catch(() => undefined);
      const answer = (body as { verification?: unknown } | undefined)?.verification;
      if (answer === challenge) return { ok: true };
      return { ok: false, reason: 'The endpoint did not echo the verification challenge' };
    }),
  );
}

/** Posts one delivery; a retry sends the same body, so the receiver can tell it by its `eventId`. */
export function postDelivery(channel: HookChannel, body: unknown, timeoutMs: number): Promise<CallResult> {
  const headers = requestHeaders(channel, { 'Content-Type': 'application/json' });
  const payload = JSON.stringify(body);
  return withOneRetry(() =>
    attempt(channel.uri, { method: 'POST', headers, body: payload }, timeoutMs, async (response) => {
      await response.body?.cancel();
      return { ok: true };
    }),
  );
}
