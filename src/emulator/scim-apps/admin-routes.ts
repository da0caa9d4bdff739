import type { FastifyInstance } from 'fastify';
import { ScimError } from '../../scim/errors.ts';
import { groupResource, userResource } from '../../scim/representation.ts';
import { isScimAppName, type ScimAppName } from './apps.ts';
import { bearerMatches } from './bearer.ts';
import { appBaseUrl } from './scim-routes.ts';
import type { ScimAppsStore } from './store.ts';
import { parseFaultRequest, type AppTraffic } from './traffic.ts';

/**
 * The emulator's own API beside the apps' SCIM endpoints, for tests and the sandbox, under
 * `/emulator/v1/{app}` and for the same bearer token: everything an app holds (deactivated users
 * and, in Kestra, users whose tenant access a DELETE revoked), faults to inject, and the count of
 * SCIM requests received. Its own requests are not counted.
 */

export const ADMIN_PREFIX = '/emulator/v1';

export interface AdminRoutesOptions {
  store: ScimAppsStore;
  traffic: Record<ScimAppName, AppTraffic>;
  tokenHash: string;
}

export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { store, traffic, tokenHash } = options;
  const appOf = (params: unknown): ScimAppName => (params as { app: ScimAppName }).app;

  app.addHook('onRequest', async (request) => {
    if (!bearerMatches(request, tokenHash)) throw new ScimError(401, undefined, 'The bearer token is missing, or is not the emulator\'s.');
    const name = (request.params as { app?: string }).app ?? '';
    if (!isScimAppName(name)) throw new ScimError(404, undefined, `no SCIM app "${name}"`);
  });

  app.get('/users', async (request) => {
    const name = appOf(request.params);
    const baseUrl = appBaseUrl(request, name);
    // As a SCIM GET shows each, and whether the app's tenant still gives them access.
    return { users: store.allUsers(name).map(({ user, groups }) => ({ ...userResource(user, groups, baseUrl), tenantAccess: !user.revoked })) };
  });

  app.get('/groups', async (request) => {
    const name = appOf(request.params);
    return { groups: store.allGroups(name).map((group) => groupResource(group, appBaseUrl(request, name))) };
  });

  app.get('/faults', async (request) => traffic[appOf(request.params)].state());
  app.post('/faults', async (request) => traffic[appOf(request.params)].set(parseFaultRequest(request.body)));

  app.get('/stats', async (request) => traffic[appOf(request.params)].stats());
  app.delete('/stats', async (request, reply) => {
    traffic[appOf(request.params)].resetStats();
    return reply.code(204).send();
  });
}
