import type { FastifyPluginAsync } from 'fastify';
import type { ChangeEvent } from '../identity/change-event.ts';
import { parseHrEvents } from '../sources/hr-events.ts';
import { HR_SIGNATURE_HEADER, verifyHrSignature } from '../sources/hr-signature.ts';

export interface HrWebhookOptions {
  secret: string;
  /** The identity key attribute of source "hr", from the policies; undefined when none is loaded. */
  keyAttribute: string | undefined;
  deliver(event: ChangeEvent): Promise<string>;
}

/**
 * POST /hooks/hr: one event or a batch. Everything is checked before anything is started, so a
 * request is either accepted whole (202) or refused whole with the reason (4xx).
 */
export const hrWebhookRoute: FastifyPluginAsync<HrWebhookOptions> = async (app, options) => {
  // The signature covers the exact bytes sent, so the body must reach the handler unparsed.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/hooks/hr', async (request, reply) => {
    const raw = request.body as Buffer;
    const signature = request.headers[HR_SIGNATURE_HEADER];
    if (!verifyHrSignature(raw, typeof signature === 'string' ? signature : undefined, options.secret)) {
      return reply.code(401).send({ error: `missing or wrong ${HR_SIGNATURE_HEADER} header: sign the raw body with HMAC-SHA256 and the shared secret` });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return reply.code(400).send({ error: `the body is not JSON: ${(error as Error).message}` });
    }
    if (!options.keyAttribute) {
      return reply.code(422).send({ error: 'no lifecycle policy has source "hr", so HR events cannot be identified' });
    }
    const parsed = parseHrEvents(body, options.keyAttribute, new Date().toISOString());
    if (!parsed.ok) return reply.code(400).send({ error: 'the body is not a valid HR event or batch', problems: parsed.problems });

    const accepted = [];
    for (const event of parsed.events) {
      accepted.push({ eventId: event.eventId, workflowId: await options.deliver(event) });
    }
    return reply.code(202).send({ accepted });
  });
};
