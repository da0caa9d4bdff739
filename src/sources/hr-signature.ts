import { createHmac, timingSafeEqual } from 'node:crypto';

export const HR_SIGNATURE_HEADER = 'x-tenure-signature';

export function signHrBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Compares in constant time, so the signature cannot be guessed byte by byte. */
export function verifyHrSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signHrBody(body, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
