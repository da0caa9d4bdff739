import { z } from 'zod';
import { nameField } from '../policy/schema.ts';
import { DEFAULT_TARGET } from './actions.ts';

/**
 * The targets document (`kind: Targets`, in the policies folder beside the policies): the systems
 * policies act on besides Okta, each named once with where it is, how Tenure authenticates to it
 * and how fast it may be called. Credentials are never written here, only the names of the
 * environment variables that hold them. Like the policy schema, this is the one source of the
 * types, the validation, the JSON Schema and the README's reference.
 */

/** An http(s) URL; the value given is not repeated in the message, since a URL may carry credentials. */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const EnvVar = z
  .strictObject({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'write the name of an environment variable (letters, digits and _, not starting with a digit), not its value')
      .describe('The environment variable that holds the value.'),
  })
  .describe('A secret, read from the environment of the worker at start.');

const BearerAuth = z
  .strictObject({ bearerToken: EnvVar.describe('A static bearer token (`Authorization: Bearer …`) the application issued to Tenure, as most SCIM applications do.') })
  .describe('A static bearer token (`Authorization: Bearer …`), as most SCIM applications issue.');

const OAuthClientCredentials = z
  .strictObject({
    oauth2: z
      .strictObject({
        tokenUrl: httpUrl().describe("The authorization server's token endpoint."),
        clientId: EnvVar,
        clientSecret: EnvVar,
        scope: z.string().min(1).optional().describe('Scopes to ask for, space-separated.'),
      })
      .describe('OAuth 2.0 client credentials: Tenure fetches an access token and renews it before it expires.'),
  })
  .describe('OAuth 2.0 client credentials.');

const RateLimit = z
  .strictObject({
    requests: z.number().int().positive().describe('How many requests …'),
    per: z
      .string()
      .regex(/^\d+[smhd]$/, 'write a number and a unit: 1s, 1m')
      .describe('… per this long, e.g. `1s` or `1m`.'),
  })
  .describe('At most this many requests to the target in any such period, from each worker; a 429 is still honoured.');

/** The sandbox's emulated applications, after the integrations in shared/seeds: users only, or users and groups. */
export const SANDBOX_APPS = ['opshelm', 'kestra'] as const;

const ScimTarget = z
  .strictObject({
    kind: z.literal('scim').describe('A SCIM 2.0 service provider (RFC 7643, 7644).'),
    url: httpUrl()
      .describe("The SCIM base URL, which `/Users`, `/Groups` and `/ServiceProviderConfig` follow, e.g. `https://kestra.example.com/api/v1/main/integrations/ID/scim/v2`."),
    auth: z.union([BearerAuth, OAuthClientCredentials]).describe('How Tenure authenticates to the application: `bearerToken` or `oauth2`, each with its secrets by environment variable.'),
    rateLimit: RateLimit.optional(),
    sandbox: z
      .enum(SANDBOX_APPS)
      .optional()
      .describe('Without a real Okta org (the sandbox), Tenure emulates this application (`opshelm`: users only; `kestra`: users and groups) and acts on the emulation instead of `url`.'),
    // Optional rather than defaulted, so that a definition read back equals the one written; unset is false.
    adoptUnclaimed: z
      .boolean()
      .optional()
      .meta({ default: false })
      .describe(
        'Link an existing account of the same userName that no identity claims (no externalId) instead of treating the login as taken: for applications whose accounts were made by hand before Tenure; a namesake joiner could take such an account, so leave it off unless the userNames are unique per person.',
      ),
  })
  .describe('A SCIM 2.0 application.');
export type ScimTargetDefinition = z.infer<typeof ScimTarget>;

/** A policy action names its target by this; `okta` is taken by Tenure's own org. */
const TargetName = nameField('The target\'s name, which policy actions give as `target:`.')
  .refine((name) => name !== DEFAULT_TARGET, { message: `"${DEFAULT_TARGET}" is Tenure's Okta org, configured by OKTA_ORG_URL and its credentials; name this target otherwise` });

export const TargetsDocument = z
  .strictObject({
    apiVersion: z.literal('tenure/v1'),
    kind: z.literal('Targets'),
    targets: z.record(TargetName, ScimTarget).describe('The targets by name, the name a policy action gives as `target:`.'),
  })
  .describe('The systems policies act on besides Okta.');
export type TargetsDocument = z.infer<typeof TargetsDocument>;
