import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { newToken } from './ids.ts';

/**
 * The `default` authorization server's signing key and the tokens it signs. Okta signs ID and
 * access tokens with RS256 and publishes the public key at `/v1/keys`. The key is made when the
 * emulator starts: tokens from before a restart no longer verify, as after a key rotation.
 */

/** Okta's ID tokens live an hour, and so do the access tokens of a default policy. */
export const OIDC_TOKEN_LIFETIME_SECONDS = 3600;

/** What an ID token says of the person who signed in. */
export interface SignedInUser {
  id: string;
  login: string;
  email: string | undefined;
  name: string;
}

export interface IssuedTokens {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  id_token: string;
  scope: string;
}

export class OidcSigner {
  private readonly kid = newToken(20);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Promise<JWK>;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicJwk = exportJWK(publicKey);
  }

  /** The JWKS document: the public half, with the key id tokens name. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [{ ...(await this.publicJwk), kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }

  /** An ID token for `clientId` and an access token for the `default` server's audience. */
  async issue(request: { issuer: string; clientId: string; user: SignedInUser; scopes: readonly string[]; nowSeconds: number }): Promise<IssuedTokens> {
    const { issuer, clientId, user, scopes, nowSeconds } = request;
    const profileClaims = {
      ...(scopes.includes('profile') ? { name: user.name, preferred_username: user.login } : {}),
      ...(scopes.includes('email') && user.email !== undefined ? { email: user.email } : {}),
    };
    const idToken = this.sign({ ver: 1, idp: issuer, amr: ['pwd'], auth_time: nowSeconds, ...profileClaims }, { issuer, audience: clientId, subject: user.id, nowSeconds });
    // Okta's access tokens name the person by login in `sub` and by id in `uid`.
    const accessToken = this.sign({ ver: 1, cid: clientId, uid: user.id, scp: [...scopes] }, { issuer, audience: 'api://default', subject: user.login, nowSeconds });
    return { token_type: 'Bearer', expires_in: OIDC_TOKEN_LIFETIME_SECONDS, access_token: await accessToken, id_token: await idToken, scope: scopes.join(' ') };
  }

  private sign(claims: JWTPayload, at: { issuer: string; audience: string; subject: string; nowSeconds: number }): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.kid })
      .setIssuer(at.issuer)
      .setAudience(at.audience)
      .setSubject(at.subject)
      .setJti(`ID.${randomUUID()}`)
      .setIssuedAt(at.nowSeconds)
      .setExpirationTime(at.nowSeconds + OIDC_TOKEN_LIFETIME_SECONDS)
      .sign(this.privateKey);
  }
}
