import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * A user's password as the emulator keeps it: salted and hashed, so that neither the saved org
 * file nor a test that looks behind the API ever holds a password, while `change_password` can
 * still check the old one. scrypt's cost is lowered: this guards test data, not real accounts, and
 * a benchmark creates thousands of users with passwords.
 */
const COST = 1024;
const KEY_LENGTH = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, KEY_LENGTH, { N: COST }).toString('base64')}`;
}

export function passwordMatches(hash: string | null, password: string): boolean {
  const [scheme, salt, key] = hash?.split('$') ?? [];
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64');
  const given = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, { N: COST });
  return timingSafeEqual(given, expected);
}
