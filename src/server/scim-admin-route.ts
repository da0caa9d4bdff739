import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ScimDirectory } from '../scim/directory/types.ts';
import { addIntegration, IntegrationError, listIntegrations, removeIntegration, retryIntegration, rotateIntegration, setIntegrationEnabled } from '../scim/integrations.ts';

/**
 * /scim-admin/v1: what `tenure scim …` does, for a CLI that cannot open the embedded directory
 * because this intake holds it. Callers prove they may read the data folder by sending the secret
 * from its scim-admin.json (src/scim/admin-file.ts).
 */

export interface ScimAdminOptions {
  directory: ScimDirectory;
  secret: string;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

const nameParams = { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] } as const;
const addBody = { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'] } as const;
const actionParams = { type: 'object', properties: { name: { type: 'string', minLength: 1 }, action: { enum: ['enable', 'disable', 'rotate', 'retry'] } }, required: ['name', 'action'] } as const;

export const scimAdminRoute: FastifyPluginAsync<ScimAdminOptions> = async (app, { directory, secret }) => {
  const expected = digest(secret);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(given), expected)) return reply.code(401).send({ error: "the admin secret is missing or wrong: run `tenure scim` on the intake's machine, as the user that owns its data folder" });
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof IntegrationError) return reply.code(error.status).send({ error: error.message });
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send({ error: status === 500 ? 'the intake could not change the integration; try again' : error.message });
  });

  app.get('/scim-admin/v1/integrations', async () => listIntegrations(directory));
  app.post('/scim-admin/v1/integrations', { schema: { body: addBody } }, async (request, reply) => {
    reply.code(201);
    return addIntegration(directory, (request.body as { name: string }).name);
  });
  app.post('/scim-admin/v1/integrations/:name/:action', { schema: { params: actionParams } }, async (request) => {
    const { name, action } = request.params as { name: string; action: 'enable' | 'disable' | 'rotate' | 'retry' };
    if (action === 'rotate') return rotateIntegration(directory, name);
    if (action === 'retry') return retryIntegration(directory, name);
    return { integration: await setIntegrationEnabled(directory, name, action === 'enable') };
  });
  app.delete('/scim-admin/v1/integrations/:name', { schema: { params: nameParams } }, async (request) => removeIntegration(directory, (request.params as { name: string }).name));
};
