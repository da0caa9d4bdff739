import type { TargetReading } from './live-plan.ts';
import { ScimUnreachableError } from './scim/errors.ts';
import type { Target } from './target.ts';

/**
 * Reads, for `tenure plan --live`, the identity's account in each target the plan acts on: by its
 * key alone (Okta's employeeNumber, SCIM's externalId), since the command knows no account id.
 * Only the seam's reads are used (`readAccount`, `capabilities`): nothing is written.
 */

/** A socket error code (ECONNREFUSED …) or the SCIM client's `timeout` / `no answer`. */
const NETWORK_REASON = /\b(ERR_[A-Z_]+|E[A-Z]{3,}[A-Z_]*|timeout|no answer)\b/;

/**
 * Why a target could not be read, in a few words: the socket's error code when it was not reached,
 * else its answer (`answered 401 …`) as the target's error says it. The targets' errors begin with
 * what was being done, which names the identity; that part is left out, as the table says whose plan it is.
 */
export function readFailure(target: string, error: unknown): Extract<TargetReading, { reached: false }> {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  // A SCIM target's capabilities() throws the reason alone, the transport's error as its cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof ScimUnreachableError) return { reached: false, target, unreachable: true, reason: cause.reason };
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'OktaUnreachable' || type === 'ScimUnreachable') {
    return { reached: false, target, unreachable: true, reason: NETWORK_REASON.exec(message)?.[1] ?? 'no answer' };
  }
  const answered = /\banswered (.*)$/.exec(message)?.[0];
  return { reached: false, target, unreachable: false, reason: answered ?? message };
}

/**
 * Each target's account and capabilities, read together: a slow or unreachable target does not
 * hold the others, and its failure is its own reading. `targetNamed` may throw (a SCIM target
 * whose credential variable is unset): that too is the target's reading, not the command's end.
 */
export async function readTargets(key: string, wanted: ReadonlyMap<string, string[]>, targetNamed: (name: string) => Target): Promise<Map<string, TargetReading>> {
  const names = [...wanted.keys()];
  const readings = await Promise.all(
    names.map(async (name): Promise<TargetReading> => {
      try {
        const target = targetNamed(name);
        // The account first: its failure says which operation failed; a SCIM target then has its capabilities cached.
        const account = await target.readAccount({ key, accountId: undefined, attributes: wanted.get(name)! });
        const capabilities = await target.capabilities();
        return { reached: true, kind: target.kind, account, capabilities };
      } catch (error) {
        return readFailure(name, error);
      }
    }),
  );
  return new Map(names.map((name, index) => [name, readings[index]!]));
}
