import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { newAdminSecret, removeAdminFile, writeAdminFile } from '../../src/scim/admin-file.ts';
import { openScimDirectory } from '../../src/scim/directory/open.ts';
import type { ScimDirectory } from '../../src/scim/directory/types.ts';
import { addIntegration } from '../../src/scim/integrations.ts';
import { buildIntakeServer } from '../../src/server/intake.ts';
import type { Engine } from '../scim-directory/engines.ts';

/**
 * The intake's HTTP server with its SCIM endpoints over a real directory (PGlite in a fresh data
 * folder), listening on a free port, as Okta reaches it. Tokens stay in variables: never printed.
 */
export interface ScimFixture {
  url: string;
  dataDir: string;
  directory: ScimDirectory;
  app: FastifyInstance;
  /** How many times a write told the relay there is something to deliver. */
  changes: () => number;
  /** A new integration and its client. */
  integration(name: string): Promise<ScimClient>;
  close(): Promise<void>;
}

export interface ScimResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ScimClient {
  name: string;
  token: string;
  baseUrl: string;
  /** A request as Okta's provisioning sends it (its headers; POSTs as application/json like the SPEC test). */
  call(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

/** The headers Okta's SCIM client sends (captured by an Okta engineer; SPEC test steps). */
export const OKTA_HEADERS = {
  accept: 'application/scim+json',
  'accept-charset': 'utf-8',
  'user-agent': 'Okta SCIM Client 1.0.0',
};

export async function request(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<ScimResponse> {
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export function clientFor(url: string, name: string, token: string): ScimClient {
  const baseUrl = `${url}/scim/v2/${name}`;
  return {
    name,
    token,
    baseUrl,
    call: (method, route, body, headers = {}) =>
      request(`${baseUrl}${route}`, method, body, {
        ...OKTA_HEADERS,
        // Okta sends this content type even on a GET without a body.
        'content-type': body === undefined ? 'application/scim+json; charset=utf-8' : 'application/json',
        authorization: `Bearer ${token}`,
        ...headers,
      }),
  };
}

/** `engine`: the directory's database (PGlite in `dataDir` when unset); the data folder holds the admin file either way. */
export async function startScimFixture(options: { adminFile?: boolean; dataDir?: string; engine?: Engine } = {}): Promise<ScimFixture> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'tenure-scim-')));
  const databaseUrl = options.engine ? (await options.engine.options()).databaseUrl : undefined;
  const directory = await openScimDirectory({ dataDir, databaseUrl });
  let changes = 0;
  const adminSecret = options.adminFile ? newAdminSecret() : undefined;
  const app = buildIntakeServer({
    hr: { secret: 'scim-fixture-webhook-secret-of-32-bytes', keyAttribute: undefined, deliver: async () => '' },
    okta: undefined,
    scim: { directory, onChange: () => changes++, adminSecret },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  if (adminSecret) await writeAdminFile(dataDir, { url, secret: adminSecret });
  return {
    url,
    dataDir,
    directory,
    app,
    changes: () => changes,
    async integration(name) {
      const { token } = await addIntegration(directory, name);
      return clientFor(url, name, token);
    },
    async close() {
      await app.close();
      await removeAdminFile(dataDir);
      await directory.close();
    },
  };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Okta's OIN create body (SCIM 2.0 Protocol Reference), for a login. */
export function oktaUser(login: string, given: string, family: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName: login,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: login, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${given.toLowerCase()}`,
    groups: [],
    password: 'okta-placeholder-1mz050nq',
    active: true,
    ...extra,
  };
}

export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
