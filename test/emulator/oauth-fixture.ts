import { createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';
import type { OAuthClientRegistration } from '../../src/emulator/okta/oauth-clients.ts';

/** A service app's key pair, as its owner would make one and register the public half with Okta. */
export interface ClientKey {
  kid: string;
  privateKey: KeyObject;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  alg: 'RS256' | 'ES256';
}

export function newClientKey(kind: 'RSA' | 'EC' = 'RSA', kid = `key-${randomUUID()}`): ClientKey {
  const { privateKey, publicKey } =
    kind === 'RSA' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    privateKey,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid },
    alg: kind === 'RSA' ? 'RS256' : 'ES256',
  };
}

export function registration(clientId: string, key: ClientKey, scopes: string[], extra: Partial<OAuthClientRegistration> = {}): OAuthClientRegistration {
  return { clientId, keys: [key.publicJwk], scopes, ...extra };
}

/** The real SDK in OAuth mode, with caching off as Tenure runs it; the private key as a JWK unless given as PEM. */
export function oauthSdkClient(orgUrl: string, clientId: string, key: ClientKey, scopes: string[], pem?: string) {
  return new okta.Client({
    orgUrl,
    authorizationMode: 'PrivateKey',
    clientId,
    scopes,
    privateKey: pem ?? (key.privateJwk as Record<string, string>),
    keyId: key.kid,
    cacheMiddleware: null,
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a compact JWS; ES256 signatures in the r‖s form JWS uses. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = String(header.alg);
  const signature = alg.startsWith('ES')
    ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A client assertion as the SDK makes one, with any header field or claim overridden. */
export function clientAssertion(
  clientId: string,
  key: ClientKey,
  tokenUrl: string,
  overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown>; signWith?: KeyObject } = {},
): string {
  const iat = nowSeconds();
  return signJwt(
    { alg: key.alg, kid: key.kid, ...overrides.header },
    { aud: tokenUrl, iss: clientId, sub: clientId, iat, exp: iat + 300, jti: randomUUID(), ...overrides.claims },
    overrides.signWith ?? key.privateKey,
  );
}

/** A DPoP proof for one request, signed by `key` and carrying its public half. */
export function dpopProof(key: ClientKey, method: string, url: string, options: { accessToken?: string; claims?: Record<string, unknown> } = {}): string {
  const ath = options.accessToken === undefined ? {} : { ath: createHash('sha256').update(options.accessToken).digest('base64url') };
  return signJwt(
    { typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk },
    { htm: method, htu: url, iat: nowSeconds(), jti: randomUUID(), ...ath, ...options.claims },
    key.privateKey,
  );
}

/** Posts a token request as a form, the way any OAuth client does. */
export async function requestToken(orgUrl: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${orgUrl}/oauth2/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** The form of a client-credentials token request authenticated with `assertion`. */
export function tokenForm(assertion: string, scope: string): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
}
