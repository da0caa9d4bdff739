import { createHash, createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Just enough of JSON Web Signatures (RFC 7515) to check what OAuth clients sign: client
 * assertions and DPoP proofs, compact form, asymmetric algorithms only.
 */

export interface Jws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

interface Algorithm {
  hash: 'sha256' | 'sha384' | 'sha512';
  keyType: 'rsa' | 'ec';
  /** For ECDSA, the only curve the algorithm may use, as node:crypto names it. */
  curve?: string;
}

const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1' },
};

export const SUPPORTED_ALGORITHMS: readonly string[] = Object.keys(ALGORITHMS);

function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS into its parts, or answers undefined if it is not one. */
export function decodeJws(compact: string): Jws | undefined {
  const parts = compact.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonObject(headerPart);
  const payload = jsonObject(payloadPart);
  if (header === undefined || payload === undefined || signaturePart === '') return undefined;
  return { header, payload, signingInput: `${headerPart}.${payloadPart}`, signature: Buffer.from(signaturePart, 'base64url') };
}

/** Whether the JWS was signed, with the algorithm its header names, by the private half of `key`. */
export function hasValidSignature(jws: Jws, key: KeyObject): boolean {
  const algorithm = ALGORITHMS[String(jws.header.alg)];
  if (algorithm === undefined || key.asymmetricKeyType !== algorithm.keyType) return false;
  if (algorithm.curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== algorithm.curve) return false;
  // JWS carries ECDSA signatures as r‖s, not DER.
  const options = algorithm.keyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  try {
    return verify(algorithm.hash, Buffer.from(jws.signingInput), options, jws.signature);
  } catch {
    // A signature of the wrong length for the key.
    return false;
  }
}

/** A JWK's public key; throws if the JWK is not an RSA or EC key. */
export function publicKeyOf(jwk: JsonWebKey): KeyObject {
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') throw new Error(`unsupported key type ${String(jwk.kty)}`);
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** The RFC 7638 thumbprint of a public key, by which a DPoP-bound token names its key. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  // The required members only, in lexicographic order.
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return sha256Base64Url(JSON.stringify(members));
}

export function sha256Base64Url(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
