import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/**
 * A person's OIDC token from the company's identity provider (Okta; the emulator in the sandbox),
 * checked against the issuer's published keys: the one check behind the intake's decisions
 * (an ID token, audience the operators' app) and its codec endpoint (the Temporal UI's access
 * token, audience the authorization server's). Refusals are in words and never quote the token.
 */

/** A refusal with the status and the words the caller gets. */
export class HttpRefusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OidcTokenCheck {
  issuer: string;
  audience: string;
  /** What the caller should do after a 401: "sign in again: npx tenure login". */
  signInHint: string;
  /** What the audience is, in words, for the refusal of a token issued to another. */
  audienceName: string;
  /** The token expected, in words: "ID token", "access token". */
  tokenName: string;
}

/**
 * The issuer's key set, found through its discovery document on first use (and again after a
 * failure, so an identity provider that was down is found once it is up).
 */
function issuerKeys(issuer: string): () => Promise<JWTVerifyGetKey> {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const discover = async () => {
    const where = `${issuer}/.well-known/openid-configuration`;
    let metadata: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(where, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      metadata = (await response.json()) as typeof metadata;
    } catch (error) {
      throw new HttpRefusal(503, `the identity provider cannot be reached at ${where} (${(error as Error).message}); try again`);
    }
    if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
      throw new HttpRefusal(503, `${where} does not describe the issuer ${issuer}: check TENURE_OIDC_ISSUER`);
    }
    return createRemoteJWKSet(new URL(metadata.jwks_uri));
  };
  return () => {
    keys ??= discover().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    return keys;
  };
}

/** Why a token is refused, in words. */
function tokenRefusal(error: unknown, check: OidcTokenCheck): HttpRefusal {
  const unauthorized = (reason: string) => new HttpRefusal(401, `${reason}; ${check.signInHint}`);
  if (error instanceof errors.JWTExpired) return unauthorized('the sign-in has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return unauthorized(`the token was issued to another application, not to ${check.audienceName}`);
    if (error.claim === 'iss') return unauthorized('the token was issued by another identity provider');
    return unauthorized(`the token's "${error.claim}" claim is not acceptable (${error.reason})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return unauthorized('the token is not signed by the identity provider');
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthorized('the token is not signed with RS256');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    // The key set could not be fetched (the provider is down): nothing is wrong with the token yet.
    return new HttpRefusal(503, 'the identity provider\'s keys cannot be read now; try again');
  }
  return unauthorized(`the token is not valid (${error.code})`);
}

/** Checks `Authorization: Bearer <token>` as `check` says; the token's claims, or an HttpRefusal. */
export function oidcTokenVerifier(check: OidcTokenCheck): (authorization: string | undefined) => Promise<JWTPayload> {
  const keys = issuerKeys(check.issuer);
  return async (authorization) => {
    const [scheme, token, extra] = (authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token || extra !== undefined) throw new HttpRefusal(401, `no sign-in: send Authorization: Bearer <${check.tokenName}>; ${check.signInHint}`);
    try {
      const { payload } = await jwtVerify(token, await keys(), { issuer: check.issuer, audience: check.audience, algorithms: ['RS256'], requiredClaims: ['sub', 'iat', 'exp'] });
      return payload;
    } catch (error) {
      if (error instanceof HttpRefusal) throw error;
      throw tokenRefusal(error, check);
    }
  };
}
