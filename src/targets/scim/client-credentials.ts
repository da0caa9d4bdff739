import { TokenEndpointError } from './errors.ts';
import { fetchWithin } from './unreachable.ts';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/** A token is renewed this long before it expires (at most half its life), so that none is sent as it lapses. */
const RENEW_BEFORE_MS = 60_000;
/** An answer without `expires_in` (RFC 6749 makes it optional): renewed after this long, or on a 401. */
const DEFAULT_LIFETIME_MS = 5 * 60_000;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): an access token fetched from the token endpoint
 * with client_secret_basic, kept until shortly before it expires and shared by the requests made
 * meanwhile (one fetch however many ask at once). `invalidate` drops it after the app refused it.
 */
export class ClientCredentialsToken {
  private current: { token: Promise<string>; value?: string; expiresAt: number } | undefined;

  constructor(
    private readonly credentials: ClientCredentials,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch,
  ) {}

  get(): Promise<string> {
    if (!this.current || Date.now() >= this.current.expiresAt) {
      const entry: NonNullable<typeof this.current> = { token: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY };
      entry.token = this.fetchToken().then(
        ({ token, lifetimeMs }) => {
          entry.value = token;
          entry.expiresAt = Date.now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 2);
          return token;
        },
        (error: unknown) => {
          // A failed fetch is not kept: the next request asks again.
          if (this.current === entry) this.current = undefined;
          throw error;
        },
      );
      this.current = entry;
    }
    return this.current.token;
  }

  /** Forgets a token the application refused, unless another has replaced it already. */
  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined;
  }

  private async fetchToken(): Promise<{ token: string; lifetimeMs: number }> {
    const { tokenUrl, clientId, clientSecret, scope } = this.credentials;
    // client_secret_basic: each part form-encoded first (RFC 6749 §2.3.1).
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    const response = await fetchWithin(
      this.fetchImpl,
      tokenUrl,
      { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body },
      this.timeoutMs,
    );
    const answer = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (!response.ok || typeof answer?.access_token !== 'string' || answer.access_token === '') {
      const code = typeof answer?.error === 'string' && /^[a-z_]{1,40}$/.test(answer.error) ? answer.error : undefined;
      throw new TokenEndpointError(response.status, code ?? (response.ok ? 'no access_token in the answer' : undefined));
    }
    const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : Number(answer.expires_in);
    return { token: answer.access_token, lifetimeMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS };
  }
}
