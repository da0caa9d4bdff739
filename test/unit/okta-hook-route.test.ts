import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import { hrWebhookRoute } from '../../src/server/hr-webhook-route.ts';
import { oktaHookRoute, type OktaHookOptions } from '../../src/server/okta-hook-route.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';

const SECRET = 'Basic dGVudXJlOm9rdGEtaG9vay1zZWNyZXQ=';
const AT = '2026-11-24T10:00:05.000Z';
const DEFAULT_TYPES = ['user.lifecycle.deactivate', 'user.lifecycle.delete.initiated'];

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The route on a server of its own, with a deliver that records what it is handed. */
async function hookApp(overrides: Partial<OktaHookOptions> = {}) {
  const delivered: ChangeEvent[] = [];
  const logged: string[] = [];
  const app = Fastify();
  apps.push(app);
  await app.register(oktaHookRoute, {
    secret: SECRET,
    eventTypes: DEFAULT_TYPES,
    deliver: async (event) => {
      delivered.push(event);
      return `identity/okta/${event.key}`;
    },
    now: () => new Date(AT),
    log: (line) => logged.push(line),
    ...overrides,
  });
  return { app, delivered, logged };
}

function userEvent(eventType: string, userId: string, uuid: string, result = 'SUCCESS') {
  return {
    uuid,
    published: '2026-11-24T10:00:00.000Z',
    eventType,
    version: '0',
    severity: 'INFO',
    displayMessage: eventType,
    actor: { id: '00uAdmin', type: 'User', alternateId: 'admin@example.com', displayName: 'Admin' },
    outcome: { result, reason: null },
    target: [{ id: userId, type: 'User', alternateId: `${userId}@example.com`, displayName: userId }],
  };
}

/** Okta's envelope around System Log events. */
function delivery(...events: unknown[]) {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://example.okta.com/api/v1/eventHooks/whoKnown0000000000',
    eventId: 'delivery-1',
    eventTime: '2026-11-24T10:00:01.000Z',
    contentType: 'application/json',
    data: { events },
  };
}

function post(app: FastifyInstance, body: unknown, headers: Record<string, string> = { authorization: SECRET }) {
  return app.inject({
    method: 'POST',
    url: '/hooks/okta',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A deliver whose calls the test answers one by one. */
function heldDeliver() {
  const calls: Array<{ event: ChangeEvent; release: () => void; fail: (error: Error) => void }> = [];
  let wake: () => void = () => {};
  return {
    calls,
    deliver: (event: ChangeEvent) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ event, release: () => resolve(`identity/okta/${event.key}`), fail: reject });
        wake();
      }),
    /** Resolves once `count` calls have been made. */
    async called(count: number) {
      while (calls.length < count) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe('the verification GET', () => {
  it('echoes the challenge to a caller holding the secret', async () => {
    const { app } = await hookApp();
    const response = await app.inject({ url: '/hooks/okta', headers: { authorization: SECRET, 'x-okta-verification-challenge': 'c-123' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ verification: 'c-123' });
  });

  it('refuses a caller without the secret, and a GET without a challenge', async () => {
    const { app } = await hookApp();
    const stranger = await app.inject({ url: '/hooks/okta', headers: { 'x-okta-verification-challenge': 'c-123' } });
    expect(stranger.statusCode).toBe(401);
    expect(stranger.body).not.toContain('c-123');
    const bare = await app.inject({ url: '/hooks/okta', headers: { authorization: SECRET } });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error).toContain('x-okta-verification-challenge');
  });
});

describe('a delivery', () => {
  it('hands each mapped event to its identity workflow and says what it did', async () => {
    const { app, delivered } = await hookApp();
    const response = await post(
      app,
      delivery(userEvent('user.lifecycle.deactivate', '00uAda', 'u-1'), userEvent('user.lifecycle.deactivate', '00uBob', 'u-2')),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 2, acted: 2, ignored: 0, duplicates: 0 });
    expect(delivered.map((event) => [event.key, event.eventId, event.record?.status, event.receivedAt])).toEqual([
      ['00uAda', 'u-1', 'DEPROVISIONED', AT],
      ['00uBob', 'u-2', 'DEPROVISIONED', AT],
    ]);
  });

  it('refuses a missing or wrong Authorization value without echoing it, and hands nothing over', async () => {
    const { app, delivered } = await hookApp();
    const body = delivery(userEvent('user.lifecycle.deactivate', '00uAda', 'u-1'));
    for (const authorization of [`${SECRET}x`, SECRET.slice(0, -1), 'Bearer guess', '']) {
      const response = await post(app, body, { authorization });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatch(/^missing or wrong Authorization header/);
      if (authorization) expect(response.body).not.toContain(authorization);
    }
    expect((await post(app, body, {})).statusCode).toBe(401);
    expect(delivered).toEqual([]);
  });

  it('refuses a body that is not JSON or not an Okta delivery, with the reason', async () => {
    const { app, delivered } = await hookApp();
    const notJson = await post(app, '{"eventType": ');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toMatch(/^the body is not JSON: /);

    const wrong = await post(app, { eventType: 'com.example.webhook', data: { events: [{ ...userEvent('user.lifecycle.deactivate', '00uAda', 'u-1'), uuid: 7 }] } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({
      error: 'the body is not an Okta event hook delivery',
      problems: ['eventType: Invalid input: expected "com.okta.event_hook"', 'data.events.0.uuid: Invalid input: expected string, received number'],
    });
    expect((await post(app, { eventType: 'com.okta.event_hook' })).json().problems).toEqual(['data: Invalid input: expected object, received undefined']);

    const empty = await app.inject({ method: 'POST', url: '/hooks/okta', headers: { authorization: SECRET } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toBe('the body is empty: an Okta event hook delivery is a JSON object');

    const text = await app.inject({ method: 'POST', url: '/hooks/okta', headers: { authorization: SECRET, 'content-type': 'text/plain' }, payload: JSON.stringify(delivery()) });
    expect(text.statusCode).toBe(415);
    expect(delivered).toEqual([]);
  });

  it('acknowledges events it does not act on: other types, failed attempts, no user', async () => {
    const { app, delivered } = await hookApp();
    const aboutAGroup = { ...userEvent('user.lifecycle.deactivate', '00uAda', 'u-3'), target: [{ id: '00gStaff', type: 'UserGroup', alternateId: 'unknown', displayName: 'staff' }] };
    const response = await post(
      app,
      delivery(userEvent('user.lifecycle.create', '00uAda', 'u-1'), userEvent('user.lifecycle.deactivate', '00uAda', 'u-2', 'FAILURE'), aboutAGroup),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 3, acted: 0, ignored: 3, duplicates: 0 });
    expect(delivered).toEqual([]);
  });

  it('hands an event over once, whether Okta repeats it in one delivery or sends the delivery again', async () => {
    const { app, delivered } = await hookApp();
    const deactivated = userEvent('user.lifecycle.deactivate', '00uAda', 'u-1');
    const body = delivery(deactivated, deactivated, userEvent('user.lifecycle.delete.initiated', '00uAda', 'u-2'));
    expect((await post(app, body)).json()).toEqual({ received: 3, acted: 2, ignored: 0, duplicates: 1 });
    expect((await post(app, body)).json()).toEqual({ received: 3, acted: 0, ignored: 0, duplicates: 3 });
    expect(delivered.map((event) => event.eventId)).toEqual(['u-1', 'u-2']);
  });

  it('remembers the 10,000 events seen last, leaving older redeliveries to the identity workflow', async () => {
    const { app, delivered } = await hookApp();
    const event = (index: number) => userEvent('user.lifecycle.deactivate', `00u${index}`, `u-${index}`);
    const first = delivery(userEvent('user.lifecycle.deactivate', '00uFirst', 'u-first'));
    await post(app, first);
    // 9,999 more fill the memory, in deliveries of 1,000 to stay under the body limit.
    for (let start = 0; start < 9_999; start += 1_000) {
      const events = Array.from({ length: Math.min(1_000, 9_999 - start) }, (_, offset) => event(start + offset));
      expect((await post(app, delivery(...events))).statusCode).toBe(200);
    }
    expect((await post(app, first)).json()).toMatchObject({ acted: 0, duplicates: 1 });
    // Seen again just now, the first event outlives u-0, which is the one forgotten for u-9999.
    await post(app, delivery(event(9_999)));
    expect((await post(app, first)).json()).toMatchObject({ acted: 0, duplicates: 1 });
    expect((await post(app, delivery(event(0)))).json()).toMatchObject({ acted: 1, duplicates: 0 });
    expect(delivered.filter((change) => change.eventId === 'u-first' || change.eventId === 'u-0')).toHaveLength(3);
  });

  it('signals one identity’s events in Okta’s order, and different identities side by side', async () => {
    const held = heldDeliver();
    const { app } = await hookApp({ deliver: held.deliver });
    const answered = post(
      app,
      delivery(
        userEvent('user.lifecycle.deactivate', '00uAda', 'u-1'),
        userEvent('user.lifecycle.delete.initiated', '00uAda', 'u-2'),
        userEvent('user.lifecycle.deactivate', '00uBob', 'u-3'),
      ),
    );
    // Bob's deactivation does not wait for Ada's; Ada's deletion does.
    await held.called(2);
    expect(held.calls.map(({ event }) => event.eventId)).toEqual(['u-1', 'u-3']);
    held.calls[0]!.release();
    await held.called(3);
    expect(held.calls[2]!.event.eventId).toBe('u-2');
    held.calls.slice(1).forEach((call) => call.release());
    expect((await answered).json()).toEqual({ received: 3, acted: 3, ignored: 0, duplicates: 0 });
  });

  it('answers 503 when the changes are not handed over before the deadline, and signals nothing twice on the retry', async () => {
    const held = heldDeliver();
    const { app, logged } = await hookApp({ deliver: held.deliver, timeoutMs: 1 });
    const body = delivery(userEvent('user.lifecycle.deactivate', '00uAda', 'u-1'));
    const late = await post(app, body);
    expect(late.statusCode).toBe(503);
    expect(late.json().error).toMatch(/Okta sends the delivery again, and reconciliation catches anything lost/);
    expect(logged).toEqual(['Okta event hook: the changes were not all handed to Temporal within 1 ms; answered 503 so that Okta retries']);

    // The signal goes through after the answer; Okta's retry finds it under way or done.
    held.calls[0]!.release();
    expect((await post(app, body)).json()).toEqual({ received: 1, acted: 0, ignored: 0, duplicates: 1 });
    expect(held.calls).toHaveLength(1);
  });

  it('answers 503 when Temporal refuses a change, and hands it over again on the retry', async () => {
    const held = heldDeliver();
    const { app, logged } = await hookApp({ deliver: held.deliver });
    const body = delivery(userEvent('user.lifecycle.deactivate', '00uAda', 'u-1'));
    const refused = post(app, body);
    await held.called(1);
    held.calls[0]!.fail(new Error('14 UNAVAILABLE: connection refused'));
    expect((await refused).statusCode).toBe(503);
    expect(logged).toEqual(['Okta event hook: a change could not be handed to Temporal (14 UNAVAILABLE: connection refused); answered 503 so that Okta retries']);

    const retried = post(app, body);
    await held.called(2);
    held.calls[1]!.release();
    expect((await retried).json()).toEqual({ received: 1, acted: 1, ignored: 0, duplicates: 0 });
  });

  it('will not start with an empty secret', async () => {
    await expect(hookApp({ secret: '' })).rejects.toThrow(/secret is empty/);
  });
});

describe('beside the HR webhook on one server', () => {
  it('each route reads its own body and checks its own credentials', async () => {
    const hr: ChangeEvent[] = [];
    const { app, delivered } = await hookApp();
    await app.register(hrWebhookRoute, {
      secret: 'hr-secret',
      keyAttribute: 'employee_id',
      deliver: async (event) => {
        hr.push(event);
        return `identity/hr/${event.key}`;
      },
    });
    const hrBody = JSON.stringify({ eventId: 'hr-1', record: { employee_id: 'E1', status: 'active' } });
    const hrResponse = await app.inject({
      method: 'POST',
      url: '/hooks/hr',
      headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(hrBody, 'hr-secret') },
      payload: hrBody,
    });
    expect(hrResponse.statusCode).toBe(202);
    expect((await post(app, delivery(userEvent('user.lifecycle.deactivate', '00uAda', 'u-1')))).statusCode).toBe(200);
    expect(hr.map((event) => event.eventId)).toEqual(['hr-1']);
    expect(delivered.map((event) => event.eventId)).toEqual(['u-1']);
  });
});
