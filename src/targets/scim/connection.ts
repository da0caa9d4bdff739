import { durationMs } from '../../runtime/duration.ts';
import type { ScimTargetDefinition } from '../definitions.ts';

/** Where a SCIM target is and how to authenticate to it, with the secrets read from the environment. */
export interface ScimConnection {
  url: string;
  credentials: { bearerToken: string } | { oauth2: { tokenUrl: string; clientId: string; clientSecret: string; scope?: string } };
  rateLimit?: { requests: number; perMs: number };
  /** Whether an account found by userName with no externalId is linked to the identity (the definition's adoptUnclaimed). */
  adoptUnclaimed?: boolean;
}

/**
 * The connection a targets document describes, its credentials taken from the environment
 * variables it names. A variable unset or empty is an error naming the target and the variable,
 * never a value, so that a worker refuses to start rather than send requests that will be refused.
 */
export function resolveScimConnection(name: string, definition: ScimTargetDefinition, env: NodeJS.ProcessEnv): ScimConnection {
  const secret = (variable: { env: string }, what: string): string => {
    const value = env[variable.env];
    if (value === undefined || value.trim() === '') {
      throw new Error(`target "${name}": the environment variable ${variable.env} (${what}) is not set or is empty`);
    }
    return value;
  };
  const { auth } = definition;
  const credentials: ScimConnection['credentials'] =
    'bearerToken' in auth
      ? { bearerToken: secret(auth.bearerToken, 'its bearer token') }
      : {
          oauth2: {
            tokenUrl: auth.oauth2.tokenUrl,
            clientId: secret(auth.oauth2.clientId, 'its OAuth client id'),
            clientSecret: secret(auth.oauth2.clientSecret, 'its OAuth client secret'),
            ...(auth.oauth2.scope ? { scope: auth.oauth2.scope } : {}),
          },
        };
  let rateLimit: ScimConnection['rateLimit'];
  if (definition.rateLimit) {
    const perMs = durationMs(definition.rateLimit.per);
    if (!perMs) throw new Error(`target "${name}": rateLimit.per "${definition.rateLimit.per}" is not a duration such as 1s or 1m`);
    rateLimit = { requests: definition.rateLimit.requests, perMs };
  }
  return { url: definition.url, credentials, ...(rateLimit ? { rateLimit } : {}), ...(definition.adoptUnclaimed ? { adoptUnclaimed: true } : {}) };
}
