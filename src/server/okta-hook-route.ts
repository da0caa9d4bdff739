import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChangeEvent } from '../identity/change-event.ts';
import { changeFromOktaEvent } from '../sources/okta-events.ts';
import { answerHookError } from './hook-errors.ts';

export const OKTA_HOOK_PATH = '/hooks/okta';

const CHALLENGE_HEADER = 'x-okta-verification-challenge';

/** Okta waits 3 s for an answer; the rest is left for the network. */
export const DEFAULT_DELIVERY_DEADLINE_MS = 2_500;

/** How many recently delivered events the route remembers by uuid. */
const REMEMBERED_EVENTS = 10_000;

export interface OktaHookOptions {
  /** The whole value Okta sends in the Authorization header: the event hook's authentication secret. */
  secret: string;
  /** The event types acted on; others are acknowledged and ignored. */
  eventTypes: readonly string[];
  /** Hands a change to its identity's workflow (signal-with-start), without waiting for the work, under the request's correlation id. */
  deliver(event: ChangeEvent, correlationId: string): Promise<string>;
  /** Where a delivery that could not be handed over in time is reported; Fastify's log by default. */
  log?: (line: string) => void;
  now?: () => Date;
  /** How long the route waits for the changes to be handed over before answering 503. */
  timeoutMs?: number;
}

const OktaEvent = z.looseObject({
  uuid: z.string().min(1),
  eventType: z.string().min(1),
  published: z.string(),
  outcome: z.looseObject({ result: z.string(), reason: z.string().nullish() }).nullish(),
  target: z.array(z.looseObject({ id: z.string().nullish(), type: z.string().nullish(), alternateId: z.string().nullish() })).nullish(),
});

/** Okta's envelope; members it may add are let through. */
const OktaDelivery = z.looseObject({
  eventType: z.literal('com.okta.event_hook'),
  data: z.looseObject({ events: z.array(OktaEvent) }),
});

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The events handed to their workflows lately, or being handed, by uuid. Okta delivers at least
 * once, and its retry can arrive while the first attempt is still being handled; the retry then
 * waits for that attempt rather than signalling again. The least recently seen are forgotten
 * first: the identity workflow's own dedupe stays the authority, across processes too.
 */
class RecentDeliveries {
  private readonly deliveries = new Map<string, Promise<void>>();

  constructor(private readonly capacity: number) {}

  find(uuid: string): Promise<void> | undefined {
    const delivery = this.deliveries.get(uuid);
    if (delivery) {
      this.deliveries.delete(uuid);
      this.deliveries.set(uuid, delivery);
    }
    return delivery;
  }

  /** A delivery that fails is forgotten, so that Okta's retry tries it again. */
  start(uuid: string, deliver: () => Promise<unknown>): Promise<void> {
    const delivery: Promise<void> = Promise.resolve()
      .then(deliver)
      .then(
        () => undefined,
        (error: unknown) => {
          if (this.deliveries.get(uuid) === delivery) this.deliveries.delete(uuid);
          throw error;
        },
      );
    this.deliveries.set(uuid, delivery);
    if (this.deliveries.size > this.capacity) this.deliveries.delete(this.deliveries.keys().next().value!);
    return delivery;
  }
}

/** Groups changes by identity, each group in the order Okta sent them. */
function byIdentity(changes: ChangeEvent[]): ChangeEvent[][] {
  const groups = new Map<string, ChangeEvent[]>();
  for (const change of changes) {
    const group = groups.get(change.key);
    if (group) group.push(change);
    else groups.set(change.key, [change]);
  }
  return [...groups.values()];
}

/**
 * `/hooks/okta`: Okta's event hook. GET answers the one-time verification; POST takes a delivery
 * of System Log events and hands the ones Tenure acts on to their identity workflows. Okta waits
 * 3 s and retries once, so the route only signals, in parallel and under a deadline; whatever a
 * lost delivery carried, reconciliation finds.
 */
export const oktaHookRoute: FastifyPluginAsync<OktaHookOptions> = async (app, options) => {
  if (options.secret === '') throw new Error('the Okta event hook secret is empty: every request would be let in');
  const expected = digest(options.secret);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => app.log.warn(line));
  const deadlineMs = options.timeoutMs ?? DEFAULT_DELIVERY_DEADLINE_MS;
  const recent = new RecentDeliveries(REMEMBERED_EVENTS);

  // Okta sends the secret on the verification too. Comparing digests takes as long whatever the
  // length of the value given, and a refused request's body is never read.
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers.authorization;
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      return reply.code(401).send({ error: 'missing or wrong Authorization header: it must hold the secret configured for this event hook in Okta and in Tenure (OKTA_EVENT_HOOK_SECRET)' });
    }
  });

  // JSON only, parsed in the handler so that a malformed body gets a reason.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler(answerHookError);

  app.get(OKTA_HOOK_PATH, async (request, reply) => {
    const challenge = request.headers[CHALLENGE_HEADER];
    if (typeof challenge !== 'string' || challenge === '') {
      return reply.code(400).send({ error: `a GET is Okta's one-time verification, and needs the ${CHALLENGE_HEADER} header` });
    }
    return reply.send({ verification: challenge });
  });

  app.post(OKTA_HOOK_PATH, async (request, reply) => {
    // A POST without a body and a content type reaches the handler without a parser.
    const raw = request.body as string | undefined;
    if (!raw) return reply.code(400).send({ error: 'the body is empty: an Okta event hook delivery is a JSON object' });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      return reply.code(400).send({ error: `the body is not JSON: ${(error as Error).message}` });
    }
    const parsed = OktaDelivery.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
      return reply.code(400).send({ error: 'the body is not an Okta event hook delivery', problems });
    }

    const { events } = parsed.data.data;
    const receivedAt = now().toISOString();
    const changes = events.flatMap((event) => changeFromOktaEvent(event, options.eventTypes, receivedAt) ?? []);
    const counts = { received: events.length, acted: 0, ignored: events.length - changes.length, duplicates: 0 };
    // One identity's changes are signalled in Okta's order (its deactivation before its deletion).
    const handedOver = Promise.all(
      byIdentity(changes).map(async (sequence) => {
        for (const change of sequence) {
          const earlier = recent.find(change.eventId);
          if (earlier) counts.duplicates++;
          else counts.acted++;
          await (earlier ?? recent.start(change.eventId, () => options.deliver(change, request.id)));
        }
      }),
    );

    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, deadlineMs, 'late')));
    const outcome = await Promise.race([handedOver.then(() => 'done' as const, (error: unknown) => ({ error })), late]);
    clearTimeout(timer);
    if (outcome === 'done') return reply.send(counts);

    log(
      outcome === 'late'
        ? `Okta event hook: the changes were not all handed to Temporal within ${deadlineMs} ms; answered 503 so that Okta retries`
        : `Okta event hook: a change could not be handed to Temporal (${(outcome.error as Error).message}); answered 503 so that Okta retries`,
    );
    return reply.code(503).send({ error: 'Tenure could not hand every event to Temporal in time; Okta sends the delivery again, and reconciliation catches anything lost' });
  });
};
