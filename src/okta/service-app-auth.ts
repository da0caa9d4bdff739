import { createPrivateKey, createPublicKey, createHash, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';
import type { OktaClient, RequestExecutor } from './client.ts';
import { pathOf, TOKEN_PATH } from './endpoint-families.ts';

/** An OAuth 2.0 service app of the org, which proves itself with a private key (`private_key_jwt`). */
export interface OktaServiceApp {
  clientId: string;
  /** PEM, or a JWK as JSON text. */
  privateKey: string;
  /** The `kid` Okta holds the public key under; defaults to the JWK's own. */
  keyId?: string;
  /** The Okta API scopes to ask for, e.g. `okta.users.manage`. */
  scopes: string[];
}

type RequestOptions = Parameters<OktaClient['http']['prepareRequest']>[0];
/** The SDK types requests with node-fetch's types, which are not installed; these are the fields used here. */
interface RequestFields {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** Reads a private key given as PEM or as a JWK in JSON, with the JWK's `kid` if it has one. */
export function readPrivateKey(text: string): { key: KeyObject; kid: string | undefined } {
  const trimmed = text.trim();
  let read: { key: KeyObject; kid: string | undefined };
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JsonWebKey;
      read = { key: createPrivateKey({ key: jwk, format: 'jwk' }), kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
    } else {
      read = { key: createPrivateKey(trimmed), kid: undefined };
    }
  } catch {
    // The parsers' messages quote the text they stopped at, and this text is a secret.
    throw new Error('the private key is neither a PEM private key nor a private JWK');
  }
  if (read.key.asymmetricKeyType !== 'rsa' && read.key.asymmetricKeyType !== 'ec') {
    throw new Error(`the private key is ${read.key.asymmetricKeyType ?? 'of an unknown type'}; Okta takes RSA and EC keys`);
  }
  return read;
}

/** The public half of the app's key as a JWK, under its key id: what Okta (or the emulator) holds for the app. */
export function publicJwkOf(app: OktaServiceApp): JsonWebKey {
  const { key, kid } = readPrivateKey(app.privateKey);
  const keyId = app.keyId ?? kid;
  return { ...createPublicKey(key).export({ format: 'jwk' }), ...(keyId === undefined ? {} : { kid: keyId }) };
}

const SIGNATURE_ALGORITHMS: Record<string, { alg: string; hash: string }> = {
  rsa: { alg: 'RS256', hash: 'sha256' },
  prime256v1: { alg: 'ES256', hash: 'sha256' },
  secp384r1: { alg: 'ES384', hash: 'sha384' },
  secp521r1: { alg: 'ES512', hash: 'sha512' },
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs the app's JWTs (client assertions and DPoP proofs) with the algorithm its key calls for. */
class ServiceAppKey {
  private readonly key: KeyObject;
  private readonly kid: string | undefined;
  private readonly alg: string;
  private readonly hash: string;
  private readonly publicJwk: JsonWebKey;

  constructor(app: OktaServiceApp) {
    const { key, kid } = readPrivateKey(app.privateKey);
    const algorithm = SIGNATURE_ALGORITHMS[key.asymmetricKeyType === 'ec' ? String(key.asymmetricKeyDetails?.namedCurve) : 'rsa'];
    if (algorithm === undefined) throw new Error(`the private key's curve ${key.asymmetricKeyDetails?.namedCurve} is not one Okta takes (P-256, P-384, P-521)`);
    this.key = key;
    this.kid = app.keyId ?? kid;
    this.alg = algorithm.alg;
    this.hash = algorithm.hash;
    this.publicJwk = createPublicKey(key).export({ format: 'jwk' });
  }

  /** The `private_key_jwt` client assertion: valid five minutes, used once (its `jti`). */
  clientAssertion(clientId: string, tokenUrl: string): string {
    const iat = Math.floor(Date.now() / 1000);
    return this.sign(
      { alg: this.alg, ...(this.kid === undefined ? {} : { kid: this.kid }) },
      { aud: tokenUrl, iss: clientId, sub: clientId, iat, exp: iat + 300, jti: randomUUID() },
    );
  }

  /** A DPoP proof (RFC 9449) for one request. */
  dpopProof(method: string, url: string, bound: { accessToken?: string; nonce?: string }): string {
    return this.sign(
      { typ: 'dpop+jwt', alg: this.alg, jwk: this.publicJwk },
      {
        htm: method.toUpperCase(),
        htu: pathOf(url),
        iat: Math.floor(Date.now() / 1000),
        jti: randomUUID(),
        ...(bound.accessToken === undefined ? {} : { ath: createHash('sha256').update(bound.accessToken).digest('base64url') }),
        ...(bound.nonce === undefined ? {} : { nonce: bound.nonce }),
      },
    );
  }

  private sign(header: Record<string, unknown>, payload: Record<string, unknown>): string {
    const input = `${base64url(header)}.${base64url(payload)}`;
    const signature = sign(this.hash, Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }
}

interface AccessToken {
  value: string;
  type: 'Bearer' | 'DPoP';
  expiresAt: number;
}

/** A token is renewed this long before Okta would refuse it. */
const TOKEN_RENEWAL_MARGIN_MS = 60_000;

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The service app's access tokens, in place of the 8.1.0 SDK's OAuth class, which
 * - checks token answers with `Http.errorFilter` read off the http module rather than its class,
 *   which is undefined, so a refused token request is no error: Okta's `{"error": "invalid_client"}`
 *   is kept as the token, every call then gets 401 E0000011 "Invalid token provided", and why the
 *   token was refused is lost;
 * - signs every DPoP proof RS256 whatever the key, so an EC key gets no token at all
 *   ("unsupported algorithm"), and sends DPoP tokens only after Okta asks for a nonce;
 * - keeps a token until Okta refuses it, and lets every request that finds none ask for one, so a
 *   burst of activities at start asks for as many tokens.
 * Here a token request goes out once for all waiting requests, through the pacing executor; a
 * refusal is an Okta error (`errorCode` = the OAuth `error`); a DPoP proof goes with every token
 * request, as the SDK sends one, so that an app which requires DPoP (Okta's default for new
 * service apps) gets a token, and a `DPoP` token is presented with a fresh proof on every call.
 */
export class ServiceAppAuthorization {
  private readonly tokenUrl: string;
  private readonly key: ServiceAppKey;
  private token: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;

  constructor(
    orgUrl: string,
    private readonly app: OktaServiceApp,
    private readonly executor: RequestExecutor,
  ) {
    this.tokenUrl = `${orgUrl}${TOKEN_PATH}`;
    this.key = new ServiceAppKey(app);
  }

  /** What the SDK's Http does before each request: puts the token, and its proof when it is bound, on it. */
  async authorize(request: RequestOptions): Promise<RequestOptions> {
    const token = await this.accessToken();
    const { url, method, headers } = request as RequestFields;
    if (token.type === 'DPoP') {
      headers.Authorization = `DPoP ${token.value}`;
      headers.DPoP = this.key.dpopProof(method, url, { accessToken: token.value });
    } else {
      headers.Authorization = `Bearer ${token.value}`;
    }
    return request;
  }

  /** The SDK's Http calls this when Okta answers 401, and then tries once more. */
  clearCachedAccessToken(): void {
    this.token = undefined;
  }

  private accessToken(): Promise<AccessToken> {
    if (this.token !== undefined && this.token.expiresAt - TOKEN_RENEWAL_MARGIN_MS > Date.now()) return Promise.resolve(this.token);
    this.pending ??= this.requestToken().then(
      (token) => {
        this.pending = undefined;
        this.token = token;
        return token;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  private async requestToken(nonce?: string): Promise<AccessToken> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.app.scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: this.key.clientAssertion(this.app.clientId, this.tokenUrl),
    });
    const request: RequestFields = {
      url: this.tokenUrl,
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        DPoP: this.key.dpopProof('POST', this.tokenUrl, { nonce }),
      },
      body: form.toString(),
    };
    const response = await this.executor.fetch(request as RequestOptions);
    const body = jsonObject(await response.text());
    if (response.ok && typeof body?.access_token === 'string') {
      return {
        value: body.access_token,
        type: body.token_type === 'DPoP' ? 'DPoP' : 'Bearer',
        expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000,
      };
    }
    const dpopNonce = response.headers.get('dpop-nonce');
    if (body?.error === 'use_dpop_nonce' && dpopNonce && nonce === undefined) return this.requestToken(dpopNonce);
    // OAuth refusals take Okta's API error shape, so that they are classified and shown like any other.
    const refusal =
      typeof body?.error === 'string'
        ? { errorCode: body.error, errorSummary: typeof body.error_description === 'string' ? body.error_description : '' }
        : (body ?? { errorSummary: `the token endpoint answered ${response.status} without an OAuth error` });
    throw new okta.OktaApiError(this.tokenUrl, response.status, refusal, response.headers);
  }
}
