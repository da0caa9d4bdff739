import { readAdminFile, type AdminEndpoint } from './admin-file.ts';
import { openScimDirectory } from './directory/open.ts';
import type { ScimDirectory } from './directory/types.ts';
import { addIntegration, listIntegrations, removeIntegration, retryIntegration, rotateIntegration, setIntegrationEnabled, type IntegrationView } from './integrations.ts';

/**
 * What `tenure scim …` manages integrations through: the directory itself when this process may
 * open it (a PostgreSQL server, or an embedded directory no intake holds), else the running
 * intake's admin route.
 */
export interface IntegrationAdmin {
  /** Where the integrations are managed, for the person to read: "the intake at …" or "the directory in …". */
  via: string;
  /** The intake's own address, when the admin goes through it. */
  intakeUrl: string | undefined;
  add(name: string): Promise<{ integration: IntegrationView; token: string }>;
  list(): Promise<IntegrationView[]>;
  setEnabled(name: string, enabled: boolean): Promise<IntegrationView>;
  rotate(name: string): Promise<{ integration: IntegrationView; token: string }>;
  /** Answers how many users it held: each is now a leaver of scim/<name>. */
  remove(name: string): Promise<{ leavers: number }>;
  /** Its set-aside changes go to Temporal again, as each user's current record; answers how many users. */
  retry(name: string): Promise<{ resent: number }>;
  close(): Promise<void>;
}

function local(directory: ScimDirectory, via: string): IntegrationAdmin {
  return {
    via,
    intakeUrl: undefined,
    add: (name) => addIntegration(directory, name),
    list: () => listIntegrations(directory),
    setEnabled: (name, enabled) => setIntegrationEnabled(directory, name, enabled),
    rotate: (name) => rotateIntegration(directory, name),
    remove: (name) => removeIntegration(directory, name),
    retry: (name) => retryIntegration(directory, name),
    close: () => directory.close(),
  };
}

function remote(endpoint: AdminEndpoint): IntegrationAdmin {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(new URL(`/scim-admin/v1/integrations${path}`, endpoint.url), {
      method,
      headers: { authorization: `Bearer ${endpoint.secret}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => ({}))) as T & { error?: string };
    if (!response.ok) throw new Error(answer.error ?? `the intake at ${endpoint.url} answered ${response.status}`);
    return answer;
  };
  const named = (name: string) => `/${encodeURIComponent(name)}`;
  return {
    via: `the intake at ${endpoint.url}`,
    intakeUrl: endpoint.url,
    add: (name) => call('POST', '', { name }),
    list: () => call('GET', ''),
    setEnabled: async (name, enabled) => (await call<{ integration: IntegrationView }>('POST', `${named(name)}/${enabled ? 'enable' : 'disable'}`)).integration,
    rotate: (name) => call('POST', `${named(name)}/rotate`),
    remove: (name) => call('DELETE', named(name)),
    retry: (name) => call('POST', `${named(name)}/retry`),
    close: async () => {},
  };
}

/** Whether the intake that wrote the admin file still answers there (it may have crashed, leaving the file). */
async function answers(endpoint: AdminEndpoint): Promise<boolean> {
  try {
    await fetch(new URL('/healthz', endpoint.url), { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

export async function openIntegrationAdmin(options: { databaseUrl: string | undefined; dataDir: string }): Promise<IntegrationAdmin> {
  if (options.databaseUrl) return local(await openScimDirectory(options), 'the PostgreSQL directory (TENURE_DATABASE_URL)');
  const endpoint = await readAdminFile(options.dataDir);
  if (endpoint && (await answers(endpoint))) return remote(endpoint);
  return local(await openScimDirectory(options), `the directory in ${options.dataDir}`);
}
