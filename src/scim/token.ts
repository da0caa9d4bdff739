import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Integration bearer tokens: 32 random bytes, base64url, shown once. Only the SHA-256 is kept, so
 * a copy of the database grants nothing; a token is checked by comparing digests in constant time.
 */

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A digest that matches no token, compared against when there is no integration, so a miss takes as long as a wrong token. */
const NO_INTEGRATION = tokenHash(randomBytes(32).toString('base64url'));

/** Whether `token` is the one whose hash is `hash`; false for no token or no hash, in the same time. */
export function tokenMatches(token: string | undefined, hash: string | undefined): boolean {
  const given = createHash('sha256').update(token ?? '', 'utf8').digest();
  const expected = Buffer.from(hash ?? NO_INTEGRATION, 'hex');
  return expected.length === given.length && timingSafeEqual(given, expected) && token !== undefined && hash !== undefined;
}
