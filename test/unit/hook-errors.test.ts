import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import { hrWebhookRoute } from '../../src/server/hr-webhook-route.ts';
import { buildIntakeServer } from '../../src/server/intake.ts';
import { oktaHookRoute } from '../../src/server/okta-hook-route.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';

const HR_SECRET = 'hr-secret';
const OKTA_SECRET = 'Basic dGVudXJlOmhvb2s=';
const TOO_LARGE = `"${'x'.repeat(1024 * 1024)}"`;
const LIMIT = "the body is larger than the intake's limit of 1 MiB (1048576 bytes): send fewer events per request";
const NOT_JSON = 'the body must be JSON, sent with content-type: application/json (this request has content-type: text/plain)';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The intake as `tenure start` builds it, with a Temporal that refuses every change. */
function intake(): FastifyInstance {
  const refused = async (_event: ChangeEvent): Promise<string> => {
    throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.1.2.3:7233');
  };
  const app = buildIntakeServer({
    hr: { secret: HR_SECRET, keyAttribute: 'employee_id', deliver: refused },
    okta: { secret: OKTA_SECRET, eventTypes: ['user.lifecycle.deactivate'], deliver: refused },
  });
  app.log.level = 'silent';
  apps.push(app);
  return app;
}

const hrPost = (app: FastifyInstance, payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/hooks/hr', headers: { 'content-type': contentType, [HR_SIGNATURE_HEADER]: signHrBody(payload, HR_SECRET) }, payload });
const oktaPost = (app: FastifyInstance, payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/hooks/okta', headers: { 'content-type': contentType, authorization: OKTA_SECRET }, payload });

describe('the hooks answer what they could not take in words the sender can act on', () => {
  it('an HR event Temporal did not take: 503, nothing lost, send it again, and none of Temporal’s address', async () => {
    const answer = await hrPost(intake(), JSON.stringify({ eventId: 'e1', record: { employee_id: 'E1' } }));
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({
      error: 'Tenure could not hand the events to Temporal; nothing was lost. Send the same request again: events already handed over are dropped as duplicates',
    });
    expect(answer.body).not.toContain('10.1.2.3');
  });

  it('a body over the limit (413) or not sent as JSON (415), on either hook', async () => {
    const app = intake();
    for (const post of [hrPost, oktaPost]) {
      const large = await post(app, TOO_LARGE);
      expect(large.statusCode).toBe(413);
      expect(large.json()).toEqual({ error: LIMIT });
      const text = await post(app, '{}', 'text/plain');
      expect(text.statusCode).toBe(415);
      expect(text.json()).toEqual({ error: NOT_JSON });
    }
  });

  it('the same on a server of their own: each hook brings its error answers with it', async () => {
    const app = Fastify({ bodyLimit: 1024 * 1024 });
    apps.push(app);
    await app.register(hrWebhookRoute, { secret: HR_SECRET, keyAttribute: 'employee_id', deliver: async () => 'unused' });
    await app.register(oktaHookRoute, { secret: OKTA_SECRET, eventTypes: [], deliver: async () => 'unused' });
    expect((await hrPost(app, '{}', 'text/plain')).json()).toEqual({ error: NOT_JSON });
    expect((await oktaPost(app, TOO_LARGE)).json()).toEqual({ error: LIMIT });
  });

  it('answer for the hooks alone: a route beside them does not claim its failure lost events', async () => {
    const app = intake();
    app.get('/beside', async () => {
      throw new Error('broken beside the hooks');
    });
    const answer = await app.inject({ method: 'GET', url: '/beside' });
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('hand the events to Temporal');
    expect(answer.json()).toMatchObject({ message: 'broken beside the hooks' });
  });
});
