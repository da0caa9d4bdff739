import { randomUUID, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * A decision's proof: a compact JWS (EdDSA over Ed25519) that Tenure's intake signs after it has
 * authenticated the person deciding. The identity workflow (through an activity on the worker,
 * which holds only the public key) checks it before acting, so a raw Temporal update from anyone
 * who can reach the frontend decides nothing. The claims bind the proof to one workflow, one
 * waiting approval and one answer, and it is short-lived.
 */

export const DECISION_ISSUER = 'tenure';
const AUDIENCE = 'tenure-decision';
/** Long enough for an update to reach a busy worker; short enough that a leaked proof is soon useless. */
export const DECISION_PROOF_TTL_SECONDS = 300;

export type DecisionAnswer = 'approved' | 'rejected';

export interface DecisionClaims {
  /** The workflow decided in: `identity/hr/E1001`, `guard/hr`, `held/hr/<batch>`. */
  workflowId: string;
  /** What waits in it: a policy's `policy/workflow` for a deletion, the workflow id for a mass change. */
  approval: string;
  decision: DecisionAnswer;
  /** The person, as the identity provider named them (their Okta login). */
  by: string;
}

export interface VerifiedDecision extends DecisionClaims {
  /** The proof's own id: a workflow refuses one it has already acted on. */
  proofId: string;
  issuedAt: string;
}

/** Why a proof was refused: said to the caller and recorded in the workflow; never quotes the proof. */
export class DecisionRefused extends Error {
  override name = 'DecisionRefused';
}

export async function signDecision(privateKey: KeyObject, claims: DecisionClaims, ttlSeconds = DECISION_PROOF_TTL_SECONDS): Promise<string> {
  return new SignJWT({ wf: claims.workflowId, ap: claims.approval, dec: claims.decision })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'tenure-decision+jwt' })
    .setIssuer(DECISION_ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.by)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

/**
 * The claims of `proof` when it was signed by `publicKey`'s pair for exactly `expected`, and is
 * still current at `now`; otherwise DecisionRefused saying why.
 */
export async function verifyDecision(
  publicKey: KeyObject | undefined,
  proof: string | undefined,
  expected: Omit<DecisionClaims, 'by'>,
  now: Date = new Date(),
): Promise<VerifiedDecision> {
  if (!proof) throw new DecisionRefused('the decision carries no proof: decide through Tenure (`tenure approve`, signed in), not with a raw Temporal update');
  if (!publicKey) throw new DecisionRefused('this worker has no decision key: set TENURE_DECISION_PUBLIC_KEY to the public half of the intake\'s TENURE_DECISION_KEY');
  let payload;
  try {
    ({ payload } = await jwtVerify(proof, publicKey, {
      issuer: DECISION_ISSUER,
      audience: AUDIENCE,
      algorithms: ['EdDSA'],
      typ: 'tenure-decision+jwt',
      currentDate: now,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new DecisionRefused('the decision\'s proof has expired: decide again');
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new DecisionRefused('the decision\'s proof is not signed by this Tenure\'s decision key');
    if (error instanceof errors.JOSEError) throw new DecisionRefused(`the decision's proof is not valid (${error.code})`);
    throw error;
  }
  const mismatch = (
    [
      ['wf', expected.workflowId, 'workflow'],
      ['ap', expected.approval, 'approval'],
      ['dec', expected.decision, 'decision'],
    ] as const
  ).find(([claim, value]) => payload[claim] !== value);
  if (mismatch) throw new DecisionRefused(`the decision's proof was made for another ${mismatch[2]}`);
  return {
    workflowId: expected.workflowId,
    approval: expected.approval,
    decision: expected.decision,
    by: payload.sub!,
    proofId: payload.jti!,
    issuedAt: new Date(payload.iat! * 1000).toISOString(),
  };
}
