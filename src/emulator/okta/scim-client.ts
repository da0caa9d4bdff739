import { retryAfterMs, SCIM_MEDIA_TYPE, scimUrl } from '../../scim/protocol.ts';

/**
 * One SCIM request as Okta's provisioning sends it to an app (its headers, its bearer token), and
 * what to make of the answer: done, worth another try (no answer, a 5xx, a 429), or final (any
 * other 4xx, which Okta turns into a failed provisioning task). Reasons never carry the token nor
 * anything of the bodies.
 */

/** The client Okta's provisioning announces itself as. */
export const SCIM_USER_AGENT = 'Okta SCIM Client 1.0.0';

export interface ScimCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below the connection's base URL, query included: `/Users?filter=…`. */
  path: string;
  body?: unknown;
}

export type ScimAnswer =
  | { outcome: 'ok'; status: number; body: unknown }
  | { outcome: 'retry'; status: number | null; reason: string; retryAfterMs: number | undefined }
  | { outcome: 'final'; status: number; reason: string };

/** The SCIM error type an answer names, if any: a fixed word, safe to record. */
async function scimTypeOf(response: Response): Promise<string | undefined> {
  const body = (await response.json().catch(() => undefined)) as { scimType?: unknown } | undefined;
  return typeof body?.scimType === 'string' && /^[A-Za-z]+$/.test(body.scimType) ? body.scimType : undefined;
}

export async function sendScim(
  connection: { baseUrl: string; token: string },
  call: ScimCall,
  options: { timeoutMs: number; signal: AbortSignal; nowMs: () => number },
): Promise<ScimAnswer> {
  const headers: Record<string, string> = {
    accept: SCIM_MEDIA_TYPE,
    'accept-charset': 'utf-8',
    'content-type': `${SCIM_MEDIA_TYPE}; charset=utf-8`,
    'user-agent': SCIM_USER_AGENT,
    authorization: `Bearer ${connection.token}`,
  };
  let response: Response;
  try {
    response = await fetch(scimUrl(connection.baseUrl, call.path), {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return { outcome: 'retry', status: null, reason: timedOut ? `No answer within ${options.timeoutMs} ms` : 'The app could not be reached', retryAfterMs: undefined };
  }
  const { status } = response;
  if (status >= 200 && status < 300) {
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return { outcome: 'final', status, reason: `The app answered ${status} with a body that is not JSON` };
    }
    return { outcome: 'ok', status, body };
  }
  if (status === 429 || status >= 500) {
    await response.body?.cancel();
    return { outcome: 'retry', status, reason: `The app answered ${status}`, retryAfterMs: retryAfterMs(response.headers.get('retry-after'), options.nowMs()) };
  }
  const scimType = await scimTypeOf(response);
  return { outcome: 'final', status, reason: `The app answered ${status}${scimType ? ` (${scimType})` : ''}` };
}
