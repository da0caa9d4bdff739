import { Context } from '@temporalio/activity';
import { SCIM_MEDIA_TYPE, scimUrl } from '../../scim/protocol.ts';
import { ClientCredentialsToken } from './client-credentials.ts';
import type { ScimConnection } from './connection.ts';
import { cleanDetail, cleanScimType, ScimAnswerError } from './errors.ts';
import { RequestPacer } from './request-pacer.ts';
import { maskValues, sentValues } from './sent-values.ts';
import { fetchWithin } from './unreachable.ts';

export type ScimMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ScimRequestOptions {
  /** The version the change was made on (RFC 7644 §3.14): the app refuses it with 412 when the resource has changed since. */
  ifMatch?: string;
}

export interface ScimClientOptions {
  /** How long one request may take before it counts as unanswered (a retryable failure). */
  timeoutMs?: number;
  /** The fetch to send with; tests pass one that records what was sent. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ScimJson = any;

/**
 * The HTTP side of a SCIM target: one per connection, so that its rate limit and its OAuth token
 * are shared by every request to that application. A success gives the parsed body (undefined
 * when empty, as for a 204); a failure is a ScimAnswerError or ScimUnreachableError, which
 * errors.ts classifies. The credential goes in the Authorization header only, never elsewhere.
 */
export class ScimHttpClient {
  private readonly pacer: RequestPacer | undefined;
  private readonly oauth: ClientCredentialsToken | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(
    private readonly connection: ScimConnection,
    options: ScimClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.pacer = connection.rateLimit && new RequestPacer(connection.rateLimit.requests, connection.rateLimit.perMs);
    const { credentials } = connection;
    this.oauth = 'oauth2' in credentials ? new ClientCredentialsToken(credentials.oauth2, this.timeoutMs, this.fetchImpl) : undefined;
  }

  /**
   * `path` is below the base URL, query included (see `withQuery`). Inside a Temporal activity, the
   * request is given up, unsent, when the activity is cancelled or times out, whether it waits its
   * turn under the rate limit or is on its way: an abandoned attempt must not write after the
   * attempt that replaced it.
   */
  async request(method: ScimMethod, path: string, body?: unknown, options: ScimRequestOptions = {}): Promise<ScimJson> {
    const cancelled = activityCancellation();
    let token = await this.token();
    let response = await this.send(method, path, body, options, token, cancelled);
    if (response.status === 401 && this.oauth) {
      // The app may have revoked the token before its time: one new token, one more try.
      await response.body?.cancel();
      this.oauth.invalidate(token);
      token = await this.token();
      response = await this.send(method, path, body, options, token, cancelled);
    }
    const text = await response.text().catch(() => '');
    const json = parseJson(text);
    if (response.ok) return json;
    const error = (json ?? {}) as { scimType?: unknown; detail?: unknown };
    const detail = typeof error.detail === 'string' ? maskValues(error.detail, sentValues(path, body)) : undefined;
    throw new ScimAnswerError(response.status, cleanScimType(error.scimType), cleanDetail(detail), response.headers.get('retry-after'));
  }

  private token(): Promise<string> {
    const { credentials } = this.connection;
    return this.oauth ? this.oauth.get() : Promise.resolve((credentials as { bearerToken: string }).bearerToken);
  }

  private async send(method: ScimMethod, path: string, body: unknown, options: ScimRequestOptions, token: string, cancelled: AbortSignal | undefined): Promise<Response> {
    await this.pacer?.turn(cancelled);
    const headers = {
      accept: SCIM_MEDIA_TYPE,
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': SCIM_MEDIA_TYPE }),
      ...(options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch }),
    };
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    return fetchWithin(this.fetchImpl, scimUrl(this.connection.url, path), init, this.timeoutMs, cancelled);
  }
}

/** The running activity's cancellation signal; none outside an activity (the CLI, a worker's start), where `Context.current()` throws. */
function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** A body that is not JSON (a proxy's error page) counts as none: nothing of it is shown. */
function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A path with its query parameters, each value percent-encoded (spaces as %20, which every server reads). */
export function withQuery(path: string, parameters: Record<string, string | number | undefined>): string {
  const query = Object.entries(parameters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join('&');
  return query ? `${path}?${query}` : path;
}
