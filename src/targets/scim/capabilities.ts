import type { TargetCapabilities } from '../target.ts';
import { isScimAnswer } from './errors.ts';
import type { ScimHttpClient, ScimJson } from './http-client.ts';
import { field } from './user-attributes.ts';

/** How long what an application says of itself is trusted: its configuration changes rarely, and a restart reads it again. */
const CAPABILITIES_TTL_MS = 5 * 60_000;

/** What the target says it can do, and what only the SCIM target itself needs: whether resources carry a version for If-Match. */
export interface ScimCapabilities extends TargetCapabilities {
  etag: boolean;
}

/**
 * What the application says it can do (RFC 7644 §4): PATCH and ETags from /ServiceProviderConfig,
 * groups from /ResourceTypes (a type named Group, or served at /Groups). An app that serves no
 * discovery endpoint (404) is taken at its most basic: no PATCH (PUT works everywhere), no ETags,
 * and groups assumed, so that the group requests themselves answer for it.
 */
export function capabilitiesReader(client: ScimHttpClient): () => Promise<ScimCapabilities> {
  let cached: { value: Promise<ScimCapabilities>; until: number } | undefined;
  return () => {
    if (!cached || Date.now() >= cached.until) {
      const entry = { value: readCapabilities(client), until: Date.now() + CAPABILITIES_TTL_MS };
      // A failure is not remembered: the next operation asks again.
      entry.value.catch(() => cached === entry && (cached = undefined));
      cached = entry;
    }
    return cached.value;
  };
}

async function readCapabilities(client: ScimHttpClient): Promise<ScimCapabilities> {
  const [config, types] = await Promise.all([discover(client, '/ServiceProviderConfig'), discover(client, '/ResourceTypes')]);
  const patch = field(field(config, 'patch'), 'supported') === true;
  const etag = field(field(config, 'etag'), 'supported') === true;
  if (types === undefined) return { patch, groups: true, etag };
  const list: ScimJson[] = Array.isArray(types) ? types : (field(types, 'Resources') ?? []);
  const groups = list.some((type) => {
    const name = field(type, 'name');
    const endpoint = field(type, 'endpoint');
    return (typeof name === 'string' && name.toLowerCase() === 'group') || (typeof endpoint === 'string' && endpoint.replace(/\/+$/, '').toLowerCase() === '/groups');
  });
  return { patch, groups, etag };
}

async function discover(client: ScimHttpClient, path: string): Promise<ScimJson> {
  try {
    return await client.request('GET', path);
  } catch (error) {
    if (isScimAnswer(error, 404)) return undefined;
    throw error;
  }
}
