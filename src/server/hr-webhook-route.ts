import type { FastifyPluginAsync } from 'fastify';
import type { ChangeEvent } from '../identity/change-event.ts';
import { parseHrEvents } from '../sources/hr-events.ts';
import { HR_SIGNATURE_HEADER, verifyHrSignature } from '../sources/hr-signature.ts';

export interface HrWebhookOptions {
  secret: string;
  /** The identity key attribute of source "hr", from the policies; undefined when none is loaded. */
  keyAttribute: string | undefined;
  deliver(event: ChangeEvent): Promise<string>;
  /** The intake's clock in epoch milliseconds, which the signature window is measured by. */
  now?: () => number;
}

/**
 * POST /hooks/hr: one event or a batch. Everything is checked before anything is started, so a
 * request is either accepted whole (202) or refused whole with the reason (4xx). A request sent
 * again is harmless: each identity workflow drops an event id it has already applied.
 */
export const hrWebhookRoute: FastifyPluginAsync<HrWebhookOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  // The signature covers the exact bytes sent, so the body must reach the handler unparsed; and
  // only JSON is taken (415 otherwise), not the text/plain Fastify would parse by default.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/hooks/hr', async (request, reply) => {
    const receivedAt = now();
    // A POST without a body and a content type reaches the handler without a parser.
    const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const signature = request.headers[HR_SIGNATURE_HEADER];
    const check = verifyHrSignature(raw, typeof signature === 'string' ? signature : undefined, options.secret, receivedAt);
    if (!check.ok) return reply.code(401).send({ error: check.reason });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return reply.code(400).send({ error: `the body is not JSON: ${(error as Error).message}` });
    }
    if (!options.keyAttribute) {
      return reply.code(422).send({ error: 'no lifecycle policy has source "hr", so HR events cannot be identified' });
    }
    const parsed = parseHrEvents(body, options.keyAttribute, new Date(receivedAt).toISOString());
    if (!parsed.ok) return reply.code(400).send({ error: 'the body is not a valid HR event or batch', problems: parsed.problems });

    // One by one, so that an identity's events reach its workflow in the order they were sent.
    const accepted = [];
    for (const event of parsed.events) {
      accepted.push({ eventId: event.eventId, workflowId: await options.deliver(event) });
    }
    return reply.code(202).send(parsed.duplicates.length > 0 ? { accepted, duplicates: parsed.duplicates } : { accepted });
  });
};
