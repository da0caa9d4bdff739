import type { KeyObject } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { LogActor } from './context.ts';
import { DpopProofError, verifyDpopProof } from './dpop.ts';
import { TOKEN_PATH } from './endpoint-families.ts';
import { newToken } from './ids.ts';
import { decodeJws, hasValidSignature, publicKeyOf } from './jws.ts';
import type { OAuthClientRegistration } from './oauth-clients.ts';
import { originOf } from './request.ts';

/**
 * The org authorization server's token endpoint, for the one flow Okta offers service apps that
 * call its management API: client credentials, the client proving itself with a JWT signed by its
 * private key (`private_key_jwt`).
 */

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
/** Okta refuses client assertions valid for longer than an hour. */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
/** Tolerated clock skew for an assertion's issue time. */
const CLOCK_SKEW_SECONDS = 60;

/** A refusal in the OAuth 2.0 shape (RFC 6749 §5.2), which Okta's authorization servers answer. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

const invalidClient = (description: string) => new OAuthError(401, 'invalid_client', description);
const invalidScope = (description: string) => new OAuthError(400, 'invalid_scope', description);
const invalidDpopProof = (description: string) => new OAuthError(400, 'invalid_dpop_proof', description);

/** What an access token lets its bearer do. */
export interface AccessTokenGrant {
  actor: LogActor;
  scopes: ReadonlySet<string>;
  expiresAtMs: number;
  /** The thumbprint of the DPoP key the token is bound to, if it is bound. */
  boundKey?: string;
}

interface RegisteredClient {
  registration: OAuthClientRegistration;
  actor: LogActor;
  keys: Array<{ kid: string | undefined; key: KeyObject }>;
}

export interface TokenResponse {
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  access_token: string;
  scope: string;
}

export class AuthorizationServer {
  private readonly clients = new Map<string, RegisteredClient>();
  /** Issued tokens in issue order, which is also expiry order since they all live as long. */
  private readonly tokens = new Map<string, AccessTokenGrant>();
  /** Assertion ids seen, with when the assertion expires: Okta takes each assertion once. */
  private readonly usedAssertions = new Map<string, number>();

  constructor(
    registrations: readonly OAuthClientRegistration[],
    private readonly now: () => number,
  ) {
    for (const registration of registrations) {
      this.clients.set(registration.clientId, {
        registration,
        actor: {
          id: registration.clientId,
          type: 'PublicClientApp',
          alternateId: registration.clientId,
          displayName: registration.name ?? registration.clientId,
        },
        // A key that cannot be read is a setup mistake: fail at start, not at the first token request.
        keys: registration.keys.map((jwk) => ({ kid: jwk.kid as string | undefined, key: publicKeyOf(jwk) })),
      });
    }
  }

  /** Answers a token request, or throws OAuthError. */
  issueToken(form: URLSearchParams, dpopProof: string | undefined, tokenUrl: string): TokenResponse {
    const grantType = form.get('grant_type');
    if (grantType === null) throw new OAuthError(400, 'invalid_request', "The 'grant_type' parameter is missing.");
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', `The authorization grant type '${grantType}' is not supported by the authorization server.`);
    }
    const nowSeconds = Math.floor(this.now() / 1000);
    const client = this.authenticateClient(form, tokenUrl, nowSeconds);
    const boundKey = this.checkDpopProof(client, dpopProof, tokenUrl, nowSeconds);
    const scopes = this.grantedScopes(client, form.get('scope'));

    this.forgetExpiredTokens();
    const accessToken = newToken(64);
    this.tokens.set(accessToken, {
      actor: client.actor,
      scopes: new Set(scopes),
      expiresAtMs: this.now() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
      ...(boundKey === undefined ? {} : { boundKey }),
    });
    return {
      token_type: boundKey === undefined ? 'Bearer' : 'DPoP',
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
      scope: scopes.join(' '),
    };
  }

  /** The grant of a live access token, if `token` is one. */
  grantOf(token: string): AccessTokenGrant | undefined {
    const grant = this.tokens.get(token);
    if (grant === undefined || grant.expiresAtMs <= this.now()) return undefined;
    return grant;
  }

  private authenticateClient(form: URLSearchParams, tokenUrl: string, nowSeconds: number): RegisteredClient {
    const compact = form.get('client_assertion');
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE || compact === null) {
      throw invalidClient('Client authentication failed. Either the client or the client credentials are invalid.');
    }
    const assertion = decodeJws(compact);
    if (assertion === undefined) throw invalidClient('The client_assertion is not a valid JWT.');
    const { header, payload } = assertion;

    const clientId = form.get('client_id') ?? payload.iss;
    const client = typeof clientId === 'string' ? this.clients.get(clientId) : undefined;
    if (client === undefined || payload.iss !== clientId) throw invalidClient("Invalid value for 'client_id' parameter.");
    if (payload.sub !== clientId) throw invalidClient("The client_assertion token's 'sub' claim must be the client_id.");

    const key = client.keys.find((candidate) => candidate.kid === header.kid);
    if (key === undefined) throw invalidClient('The client_assertion JWT kid is invalid.');
    if (!hasValidSignature(assertion, key.key)) throw invalidClient('The client_assertion signature is invalid.');

    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(tokenUrl)) {
      throw invalidClient('The audience claim for client_assertion must be the endpoint invoked for the request.');
    }
    const { exp, iat, jti } = payload;
    if (typeof exp !== 'number') throw invalidClient("The client_assertion token must have an 'exp' claim.");
    if (exp <= nowSeconds) throw invalidClient('The client_assertion token is expired.');
    if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS) {
      throw invalidClient('The client_assertion token has an expiration too far into the future.');
    }
    if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + CLOCK_SKEW_SECONDS)) {
      throw invalidClient("The client_assertion token has an invalid 'iat' claim.");
    }
    if (jti !== undefined) this.useAssertionOnce(client, jti, exp, nowSeconds);
    return client;
  }

  private useAssertionOnce(client: RegisteredClient, jti: unknown, exp: number, nowSeconds: number): void {
    if (typeof jti !== 'string' || jti === '') throw invalidClient("The client_assertion token has an invalid 'jti' claim.");
    for (const [seen, expiresAt] of this.usedAssertions) if (expiresAt <= nowSeconds) this.usedAssertions.delete(seen);
    const key = `${client.registration.clientId} ${jti}`;
    if (this.usedAssertions.has(key)) throw invalidClient('The client_assertion token has already been used.');
    this.usedAssertions.set(key, exp);
  }

  /** Checks the DPoP proof if one came; answers the key to bind the token to, if the client binds tokens. */
  private checkDpopProof(client: RegisteredClient, proof: string | undefined, tokenUrl: string, nowSeconds: number): string | undefined {
    if (proof === undefined) {
      if (client.registration.dpopBound) throw invalidDpopProof('The DPoP proof JWT header is missing.');
      return undefined;
    }
    try {
      const thumbprint = verifyDpopProof(proof, { method: 'POST', url: tokenUrl, nowSeconds });
      return client.registration.dpopBound ? thumbprint : undefined;
    } catch (error) {
      if (error instanceof DpopProofError) throw invalidDpopProof(error.description);
      throw error;
    }
  }

  private grantedScopes(client: RegisteredClient, requested: string | null): string[] {
    const scopes = (requested ?? '').split(' ').filter((scope) => scope !== '');
    if (scopes.length === 0) {
      throw invalidScope("The authorization server resource does not have any configured default scopes, 'scope' must be provided.");
    }
    if (!scopes.every((scope) => client.registration.scopes.includes(scope))) {
      throw invalidScope('The requested scope is invalid, unknown, or malformed.');
    }
    return [...new Set(scopes)];
  }

  private forgetExpiredTokens(): void {
    const now = this.now();
    for (const [token, grant] of this.tokens) {
      if (grant.expiresAtMs > now) return;
      this.tokens.delete(token);
    }
  }
}

/**
 * Lets the plugin `app` read form bodies, as URLSearchParams: OAuth requests are forms. Scoped to
 * the plugin that calls it, so the management API stays JSON only.
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });
}

export async function tokenRoute(app: FastifyInstance, options: { server: AuthorizationServer }): Promise<void> {
  acceptFormBodies(app);

  app.post(TOKEN_PATH, async (request, reply) => {
    // Token responses must not be cached (RFC 6749 §5.1), refusals included.
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      if (!(request.body instanceof URLSearchParams)) {
        throw new OAuthError(400, 'invalid_request', 'The token request must be sent as application/x-www-form-urlencoded.');
      }
      const proof = request.headers.dpop;
      return options.server.issueToken(request.body, typeof proof === 'string' ? proof : undefined, `${originOf(request)}${TOKEN_PATH}`);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return reply.code(error.status).type('application/json').send(error.toBody());
    }
  });
}
