import type { JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** An OAuth service app registered with the emulated org, as Okta's Admin Console would set it up. */
export interface OAuthClientRegistration {
  clientId: string;
  /** The app's label, which the System Log shows as the actor's name; defaults to the client id. */
  name?: string;
  /** The app's public keys, as JWKs; a client assertion's `kid` picks one. */
  keys: JsonWebKey[];
  /** The Okta API scopes granted to the app, e.g. `okta.users.read`. */
  scopes: string[];
  /**
   * Binds access tokens to the key of the client's DPoP proof, as Okta does for an app with
   * "Require DPoP header in token requests" on. Off by default, as the 8.1.0 SDK presents the
   * tokens it gets as Bearer tokens unless Okta first asks it for a DPoP nonce.
   */
  dpopBound?: boolean;
}

const Jwk = z.looseObject({ kty: z.enum(['RSA', 'EC']), kid: z.string().min(1).optional() });

const OAuthClients = z.array(
  z.strictObject({
    clientId: z.string().trim().min(1),
    name: z.string().min(1).optional(),
    keys: z.array(Jwk).min(1, 'give at least one public key'),
    scopes: z.array(z.string().regex(/^okta\.[A-Za-z]+\.(read|manage)$/, 'must be an Okta API scope such as okta.users.read')),
    dpopBound: z.boolean().optional(),
  }),
);

/** Reads a JSON array of client registrations, refusing a malformed one with every problem it has. */
export async function readOAuthClientsFile(path: string): Promise<OAuthClientRegistration[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read OAuth clients from ${path}: ${(error as Error).message}`);
  }
  const parsed = OAuthClients.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new Error(`the OAuth clients in ${path} are not valid:\n${problems.join('\n')}`);
  }
  return parsed.data as OAuthClientRegistration[];
}
