import type { JsonWebKey } from 'node:crypto';
import { decodeJws, hasValidSignature, jwkThumbprint, publicKeyOf, sha256Base64Url, SUPPORTED_ALGORITHMS } from './jws.ts';

/**
 * DPoP proofs (RFC 9449): a JWT the client signs for each request with a key whose public half it
 * sends along, so that a token bound to that key is useless to anyone without the private half.
 * The emulator never asks for a server nonce, which Okta does for apps that require DPoP: the
 * nonce round trip adds nothing a local emulator could check.
 */

/** How far a proof's `iat` may lie from the emulator's clock. */
const PROOF_LIFETIME_SECONDS = 300;

export class DpopProofError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'DpopProofError';
  }
}

export interface ProofExpectations {
  method: string;
  /** The request URL without query: what `htu` must name. */
  url: string;
  nowSeconds: number;
  /** The access token the request carries, which `ath` must hash; absent at the token endpoint. */
  accessToken?: string;
}

const claimInvalid = (claim: string) => new DpopProofError(`'${claim}' claim in the DPoP proof JWT is invalid.`);

function sameUrl(claimed: unknown, expected: string): boolean {
  if (typeof claimed !== 'string') return false;
  try {
    const url = new URL(claimed);
    return `${url.origin}${url.pathname}` === new URL(expected).href;
  } catch {
    return false;
  }
}

/** Checks a proof and answers the thumbprint of its key; throws DpopProofError, naming what is wrong. */
export function verifyDpopProof(proof: string, expected: ProofExpectations): string {
  const jws = decodeJws(proof);
  if (jws === undefined) throw new DpopProofError('The DPoP proof JWT is malformed.');
  const { header, payload } = jws;
  if (header.typ !== 'dpop+jwt') throw new DpopProofError("The DPoP proof JWT header 'typ' is invalid.");
  if (!SUPPORTED_ALGORITHMS.includes(String(header.alg))) throw new DpopProofError("The DPoP proof JWT header 'alg' is invalid.");
  const jwk = header.jwk;
  if (jwk === null || typeof jwk !== 'object' || 'd' in jwk) throw new DpopProofError("The DPoP proof JWT header 'jwk' is invalid.");
  let key;
  try {
    key = publicKeyOf(jwk as JsonWebKey);
  } catch {
    throw new DpopProofError("The DPoP proof JWT header 'jwk' is invalid.");
  }
  if (!hasValidSignature(jws, key)) throw new DpopProofError('The DPoP proof JWT signature is invalid.');
  if (payload.htm !== expected.method) throw claimInvalid('htm');
  if (!sameUrl(payload.htu, expected.url)) throw claimInvalid('htu');
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - expected.nowSeconds) > PROOF_LIFETIME_SECONDS) {
    throw claimInvalid('iat');
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') throw claimInvalid('jti');
  if (expected.accessToken !== undefined && payload.ath !== sha256Base64Url(expected.accessToken)) throw claimInvalid('ath');
  return jwkThumbprint(key);
}
