import type { SANDBOX_APPS, ScimTargetDefinition } from './definitions.ts';
import { resolveScimConnection, type ScimConnection } from './scim/connection.ts';

/**
 * Where the sandbox (`npm start` without a real Okta org) serves its emulated SCIM applications,
 * and the token they accept. The token is published, which is safe only because the emulation
 * listens on loopback and holds made-up people; a real application's token is never here.
 */
export const SANDBOX_SCIM_TOKEN = 'tenure-sandbox-scim-token';
export const DEFAULT_SCIM_APPS_PORT = 8092;

export type SandboxApp = (typeof SANDBOX_APPS)[number];

/** The port of the emulated SCIM applications: TENURE_SCIM_APPS_PORT, else 8092. */
export function sandboxScimAppsPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TENURE_SCIM_APPS_PORT;
  if (raw === undefined || raw === '') return DEFAULT_SCIM_APPS_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`TENURE_SCIM_APPS_PORT must be a port number (1-65535), got "${raw}"`);
  return port;
}

/** Where the emulation serves `app`'s SCIM endpoint, below the emulation's origin (`http://127.0.0.1:8092`). */
export function sandboxAppUrl(origin: string, app: SandboxApp): string {
  return `${origin}/${app}/scim/v2`;
}

/**
 * The connection to an emulated application, at its SCIM base URL (`sandboxAppUrl`), with the
 * sandbox's token and the definition's own choices (`adoptUnclaimed`).
 */
export function sandboxScimConnection(appUrl: string, definition: Pick<ScimTargetDefinition, 'adoptUnclaimed'>): ScimConnection {
  return { url: appUrl, credentials: { bearerToken: SANDBOX_SCIM_TOKEN }, ...(definition.adoptUnclaimed ? { adoptUnclaimed: true } : {}) };
}

/**
 * The connection Tenure uses for a SCIM target: in the sandbox (no real Okta org), a definition
 * with `sandbox:` is the emulated application, so that the sandbox never writes to a real one;
 * otherwise its own URL, with the credentials its environment variables hold.
 */
export function scimConnectionFor(
  name: string,
  definition: ScimTargetDefinition,
  options: { sandbox: boolean; /** Where the running emulation listens; by default where the sandbox would (`tenure validate` asks it without starting it). */ origin?: string },
  env: NodeJS.ProcessEnv = process.env,
): ScimConnection {
  if (options.sandbox && definition.sandbox) {
    return sandboxScimConnection(sandboxAppUrl(options.origin ?? `http://127.0.0.1:${sandboxScimAppsPort(env)}`, definition.sandbox), definition);
  }
  return resolveScimConnection(name, definition, env);
}
