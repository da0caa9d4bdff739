import type { FastifyPluginAsync } from 'fastify';
import { scimAdminRoute } from './scim-admin-route.ts';
import { scimPlugin, type ScimOptions } from './scim-plugin.ts';

export interface ScimServerOptions extends ScimOptions {
  /** The secret of the local admin route `tenure scim …` uses while this intake holds the directory; unset, no admin route. */
  adminSecret?: string;
}

/** Everything SCIM the intake serves: /scim/v2/<integration>/…, and the local admin route. */
export const scimServer: FastifyPluginAsync<ScimServerOptions> = async (app, { adminSecret, ...options }) => {
  app.register(scimPlugin, { prefix: '/scim/v2/:integration', ...options });
  if (adminSecret) app.register(scimAdminRoute, { directory: options.directory, secret: adminSecret });
};
