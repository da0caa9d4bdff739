import { MIMEType } from 'node:util';
import type { FastifyPluginAsync } from 'fastify';
import type { ChangeEvent } from '../identity/change-event.ts';
import { sourceAttributes, type PolicySet } from '../policy/loader.ts';
import { HR_SOURCE, parseHrEvents } from '../sources/hr-events.ts';
import { HR_SIGNATURE_HEADER, verifyHrSignature } from '../sources/hr-signature.ts';
import { answerHookError } from './hook-errors.ts';

export interface HrWebhookOptions {
  secret: string;
  /** The identity key attribute of source "hr", from the policies; undefined when none is loaded. */
  keyAttribute: string | undefined;
  /**
   * The policy set: a record keeps only the attributes its policies of source "hr" may read, and
   * loses the others on arrival, before they reach a workflow's history. Without it, records are kept whole.
   */
  policySet?: PolicySet;
  /** Hands an event to its identity's workflow, under the request's correlation id (X-Request-Id). */
  deliver(event: ChangeEvent, correlationId: string): Promise<string>;
  /** The intake's clock in epoch milliseconds, which the signature window is measured by. */
  now?: () => number;
}

// Buffer's own decoding would put U+FFFD in place of bytes that are not UTF-8, and change a key unseen.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The charset parameter of a content type, as written, if it has one. */
function declaredCharset(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  try {
    return new MIMEType(contentType).params.get('charset') ?? undefined;
  } catch {
    // Fastify has accepted it as JSON already; a parameter it cannot read declares no charset.
    return undefined;
  }
}

/**
 * POST /hooks/hr: one event or a batch. Everything is checked before anything is started, so a
 * request is either accepted whole (202) or refused whole with the reason (4xx). A request sent
 * again is harmless: each identity workflow drops an event id it has already applied.
 */
export const hrWebhookRoute: FastifyPluginAsync<HrWebhookOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  const kept = options.policySet && sourceAttributes(options.policySet, HR_SOURCE);
  // The signature covers the exact bytes sent, so the body must reach the handler unparsed; and
  // only JSON is taken (415 otherwise), not the text/plain Fastify would parse by default.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler(answerHookError);

  app.post('/hooks/hr', async (request, reply) => {
    const receivedAt = now();
    const charset = declaredCharset(request.headers['content-type']);
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
      return reply.code(415).send({ error: `the body must be UTF-8 JSON; this request declares charset=${charset}: send it as UTF-8, with charset=utf-8 or no charset` });
    }
    // A POST without a body and a content type reaches the handler without a parser.
    const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const signature = request.headers[HR_SIGNATURE_HEADER];
    const check = verifyHrSignature(raw, typeof signature === 'string' ? signature : undefined, options.secret, receivedAt);
    if (!check.ok) return reply.code(401).send({ error: check.reason });
    let text: string;
    try {
      text = strictUtf8.decode(raw);
    } catch {
      return reply.code(400).send({ error: 'the body is not valid UTF-8: send JSON encoded as UTF-8' });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return reply.code(400).send({ error: `the body is not JSON: ${(error as Error).message}` });
    }
    if (!options.keyAttribute) {
      return reply.code(422).send({ error: 'no lifecycle policy has source "hr", so HR events cannot be identified' });
    }
    const parsed = parseHrEvents(body, options.keyAttribute, new Date(receivedAt).toISOString(), kept);
    if (!parsed.ok) return reply.code(400).send({ error: 'the body is not a valid HR event or batch', problems: parsed.problems });

    // One by one, so that an identity's events reach its workflow in the order they were sent.
    const accepted = [];
    for (const event of parsed.events) {
      accepted.push({ eventId: event.eventId, workflowId: await options.deliver(event, request.id) });
    }
    return reply.code(202).send(parsed.duplicates.length > 0 ? { accepted, duplicates: parsed.duplicates } : { accepted });
  });
};
