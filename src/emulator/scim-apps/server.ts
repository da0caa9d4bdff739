import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import { isLoopback } from '../../runtime/loopback.ts';
import { ScimError } from '../../scim/errors.ts';
import { tokenHash } from '../../scim/token.ts';
import { acceptScimBodies, asScimError } from '../../server/scim-plugin.ts';
import { parseScimQuery } from '../../server/scim-query-string.ts';
import { sendScimError } from '../../server/scim-reply.ts';
import { SANDBOX_APPS } from '../../targets/definitions.ts';
import { SANDBOX_SCIM_TOKEN, sandboxAppUrl } from '../../targets/sandbox-address.ts';
import { ADMIN_PREFIX, adminRoutes } from './admin-routes.ts';
import { SCIM_APPS, type ScimAppName } from './apps.ts';
import { scimAppRoutes } from './scim-routes.ts';
import { readStateFile, stateFileWriter } from './state-file.ts';
import { ScimAppsStore } from './store.ts';
import { AppTraffic } from './traffic.ts';

/**
 * The sandbox's two SCIM 2.0 applications, OpsHelm (users only) and Kestra (users and groups),
 * on one port: `/opshelm/scim/v2` and `/kestra/scim/v2`, with the admin API under /emulator/v1.
 * Every answer, errors included, is a SCIM message.
 */

export interface ScimAppsOptions {
  /** 0 picks a free port. */
  port: number;
  /** Defaults to 127.0.0.1. Any other address is refused with the sandbox's published token. */
  host?: string;
  /** The bearer token every app and the admin API accept. */
  token: string;
  /** Where the apps' users and groups are saved as they change, and restored from at start. */
  stateFile?: string;
}

export interface ScimApps {
  /** e.g. http://127.0.0.1:8092, without a trailing slash. */
  url: string;
  /** The app's SCIM base URL, e.g. http://127.0.0.1:8092/kestra/scim/v2. */
  appUrl(app: ScimAppName): string;
  /** The admin API of the app, e.g. http://127.0.0.1:8092/emulator/v1/kestra. */
  adminUrl(app: ScimAppName): string;
  close(): Promise<void>;
}

export async function startScimApps(options: ScimAppsOptions): Promise<ScimApps> {
  const host = options.host ?? '127.0.0.1';
  if (typeof options.token !== 'string' || options.token.trim() === '') throw new Error('the SCIM apps emulator needs a token, the bearer token its apps accept');
  if (!isLoopback(host) && options.token === SANDBOX_SCIM_TOKEN) {
    throw new Error(`the SCIM apps emulator will not listen on ${host} with the sandbox's token, which is published: anyone who can reach it could act as the apps' provisioning client. Listen on 127.0.0.1, or give it a token of your own`);
  }

  const saved = options.stateFile === undefined ? undefined : await readStateFile(options.stateFile);
  const store = new ScimAppsStore(options.stateFile === undefined ? undefined : stateFileWriter(options.stateFile));
  if (saved) store.restore(saved);
  const traffic = Object.fromEntries(SANDBOX_APPS.map((app) => [app, new AppTraffic(SCIM_APPS[app].title)])) as Record<ScimAppName, AppTraffic>;
  const hash = tokenHash(options.token);

  const app = Fastify({ logger: false, routerOptions: { querystringParser: parseScimQuery } });
  acceptScimBodies(app);
  app.setErrorHandler((error: FastifyError, _request, reply: FastifyReply) => sendScimError(reply, asScimError(error, 'The emulator')));
  app.setNotFoundHandler((request, reply) => sendScimError(reply, new ScimError(404, undefined, `nothing is served at ${request.method} ${request.url.split('?')[0]}`)));
  app.register(scimAppRoutes, { prefix: '/:integration/scim/v2', store, traffic, tokenHash: hash });
  app.register(adminRoutes, { prefix: `${ADMIN_PREFIX}/:app`, store, traffic, tokenHash: hash });

  await app.listen({ port: options.port, host });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    appUrl: (name) => sandboxAppUrl(url, name),
    adminUrl: (name) => `${url}${ADMIN_PREFIX}/${name}`,
    close: () => app.close(),
  };
}
