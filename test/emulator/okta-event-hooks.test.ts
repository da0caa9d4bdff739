import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventHook, LogEvent as SdkLogEvent } from '@okta/okta-sdk-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHookDelivery } from '../../src/emulator/okta/event-hook-delivery.ts';
import { eventHookDefinition } from '../../src/emulator/okta/event-hook-input.ts';
import { EventHookRegistry } from '../../src/emulator/okta/event-hook-store.ts';
import { SystemLog, type LogEvent } from '../../src/emulator/okta/system-log.ts';
import { expectOktaError, newProfile, TOKEN, useOktaEmulator } from './okta-fixture.ts';

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers a request: a status and a JSON body, or `hang` to never answer. */
type Answer = { status: number; body?: unknown } | 'hang';

interface Receiver {
  url: string;
  requests: Received[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

/** A local HTTP endpoint standing in for the service behind an event hook. */
async function startReceiver(answer: (request: Received, index: number) => Answer): Promise<Receiver> {
  const requests: Received[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const received = { method: request.method ?? '', headers: request.headers, body };
      requests.push(received);
      waiters.splice(0).forEach((wake) => wake());
      const reply = answer(received, requests.length - 1);
      if (reply === 'hang') return;
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/okta-events`,
    requests,
    received: async (count) => {
      while (requests.length < count) await new Promise<void>((wake) => waiters.push(wake));
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  receivers.push(receiver);
  return receiver;
}

/** Answers verification challenges as Okta requires, and deliveries with `delivery`. */
const echoChallenge =
  (delivery: Answer = { status: 200 }) =>
  (request: Received): Answer =>
    request.method === 'GET'
      ? { status: 200, body: { verification: request.headers['x-okta-verification-challenge'] } }
      : delivery;

const SECRET = 'Basic c2VjcmV0OnNlY3JldA==';

function hookBody(uri: string, items: string[] = ['user.lifecycle.create'], name = 'Tenure listener'): EventHook {
  return {
    name,
    events: { type: 'EVENT_TYPE', items },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri,
        headers: [{ key: 'X-Tenure-Source', value: 'okta-emulator' }],
        authScheme: { type: 'HEADER', key: 'Authorization', value: SECRET },
      },
    },
  };
}

describe('/api/v1/eventHooks', () => {
  const env = useOktaEmulator();
  const hooks = () => env.client.eventHookApi;

  async function eventTypesAbout(targetId: string): Promise<string[]> {
    const events: SdkLogEvent[] = [];
    const until = new Date(Date.now() + 60_000).toISOString();
    for await (const event of await env.client.systemLogApi.listLogEvents({ filter: `target.id eq "${targetId}"`, until })) {
      events.push(event!);
    }
    return events.map((event) => event.eventType!);
  }

  it('creates an active, unverified hook and never shows its secret', async () => {
    const body = hookBody('https://hooks.example.com/okta', ['user.lifecycle.create', 'group.user_membership.add']);
    const created = await hooks().createEventHook({ eventHook: body });
    expect(created.id).toMatch(/^who[A-Za-z0-9]{17}$/);
    expect(created).toMatchObject({
      status: 'ACTIVE',
      verificationStatus: 'UNVERIFIED',
      name: 'Tenure listener',
      events: { type: 'EVENT_TYPE', items: ['user.lifecycle.create', 'group.user_membership.add'] },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: 'https://hooks.example.com/okta',
          method: 'POST',
          headers: [{ key: 'X-Tenure-Source', value: 'okta-emulator' }],
          authScheme: { type: 'HEADER', key: 'Authorization' },
        },
      },
    });
    expect(created.channel?.config?.authScheme?.value).toBeUndefined();

    const fetched = await hooks().getEventHook({ eventHookId: created.id! });
    expect(fetched.name).toBe('Tenure listener');
    const listed: EventHook[] = [];
    for await (const hook of await hooks().listEventHooks()) listed.push(hook!);
    expect(listed.map((hook) => hook.id)).toContain(created.id);
  });

  it('refuses ineligible event types, plain HTTP to another host and a blank name, naming every problem', async () => {
    const items = ['user.lifecycle.create', 'event_hook.created', 'user.session.access_admin_app'];
    await expectOktaError(
      hooks().createEventHook({ eventHook: { ...hookBody('http://hooks.example.com/okta', items), name: ' ' } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: eventHook',
        causes: [
          'name: The field cannot be left blank',
          'events.items: event_hook.created is not eligible for event hooks',
          'events.items: user.session.access_admin_app is not eligible for event hooks',
          'channel.config.uri: Must begin with https://',
        ],
      },
    );
  });

  it('answers 404 E0000007 for an unknown hook', async () => {
    await expectOktaError(hooks().getEventHook({ eventHookId: 'whoDoesNotExist00000' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: whoDoesNotExist00000 (EventHook)',
    });
  });

  it('verifies a hook whose endpoint echoes the challenge', async () => {
    const receiver = await startReceiver(echoChallenge());
    const hook = await hooks().createEventHook({ eventHook: hookBody(receiver.url) });
    const verified = await hooks().verifyEventHook({ eventHookId: hook.id! });

    expect(verified.verificationStatus).toBe('VERIFIED');
    expect(receiver.requests).toHaveLength(1);
    const [challenge] = receiver.requests;
    expect(challenge!.method).toBe('GET');
    expect(challenge!.headers['x-okta-verification-challenge']).toMatch(/^\S{20,}$/);
    expect(challenge!.headers).toMatchObject({
      authorization: SECRET,
      'x-tenure-source': 'okta-emulator',
      accept: 'application/json',
    });
  });

  it('refuses to verify an endpoint that answers something else, without retrying it', async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: { verification: 'not the challenge' } }));
    const hook = await hooks().createEventHook({ eventHook: hookBody(receiver.url, undefined, 'Careless listener') });
    await expectOktaError(hooks().verifyEventHook({ eventHookId: hook.id! }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: eventHook',
      causes: ['Unable to verify event hook. Hook Careless listener execution failed'],
    });
    expect(receiver.requests).toHaveLength(1);
    expect((await hooks().getEventHook({ eventHookId: hook.id! })).verificationStatus).toBe('UNVERIFIED');
  });

  it('retries a verification once after a server error', async () => {
    const receiver = await startReceiver((request, index) => (index === 0 ? { status: 503 } : echoChallenge()(request)));
    const hook = await hooks().createEventHook({ eventHook: hookBody(receiver.url) });
    expect((await hooks().verifyEventHook({ eventHookId: hook.id! })).verificationStatus).toBe('VERIFIED');
    expect(receiver.requests).toHaveLength(2);
  });

  it('asks for a new verification when the endpoint changes, and keeps a secret a replace leaves out', async () => {
    const receiver = await startReceiver(echoChallenge());
    const hook = await hooks().createEventHook({ eventHook: hookBody(receiver.url) });
    await hooks().verifyEventHook({ eventHookId: hook.id! });

    const body = hookBody(receiver.url, ['user.lifecycle.create', 'user.lifecycle.deactivate'], 'Renamed listener');
    body.channel.config.authScheme = { type: 'HEADER', key: 'Authorization' };
    const renamed = await hooks().replaceEventHook({ eventHookId: hook.id!, eventHook: body });
    expect(renamed).toMatchObject({ name: 'Renamed listener', verificationStatus: 'VERIFIED' });
    expect(renamed.events?.items).toEqual(['user.lifecycle.create', 'user.lifecycle.deactivate']);

    const moved = await hooks().replaceEventHook({ eventHookId: hook.id!, eventHook: hookBody(`${receiver.url}/v2`) });
    expect(moved.verificationStatus).toBe('UNVERIFIED');
    await hooks().verifyEventHook({ eventHookId: hook.id! });
    expect(receiver.requests.map((request) => request.headers.authorization)).toEqual([SECRET, SECRET]);
  });

  it('deletes only a deactivated hook', async () => {
    const hook = await hooks().createEventHook({ eventHook: hookBody('https://hooks.example.com/okta') });
    await expectOktaError(hooks().deleteEventHook({ eventHookId: hook.id! }), {
      status: 403,
      errorCode: 'E0000006',
      errorSummary: 'You do not have permission to perform the requested action',
    });

    const inactive = await hooks().deactivateEventHook({ eventHookId: hook.id! });
    expect(inactive.status).toBe('INACTIVE');
    expect((await hooks().activateEventHook({ eventHookId: hook.id! })).status).toBe('ACTIVE');
    await hooks().deactivateEventHook({ eventHookId: hook.id! });
    await hooks().deleteEventHook({ eventHookId: hook.id! });
    await expectOktaError(hooks().getEventHook({ eventHookId: hook.id! }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${hook.id} (EventHook)`,
    });
  });

  it('writes every change to a hook to the System Log', async () => {
    const receiver = await startReceiver(echoChallenge());
    const hook = await hooks().createEventHook({ eventHook: hookBody(receiver.url) });
    await hooks().verifyEventHook({ eventHookId: hook.id! });
    const renamed = hookBody(receiver.url, undefined, 'Logged listener');
    await hooks().replaceEventHook({ eventHookId: hook.id!, eventHook: renamed });
    await hooks().deactivateEventHook({ eventHookId: hook.id! });
    await hooks().activateEventHook({ eventHookId: hook.id! });
    await hooks().deactivateEventHook({ eventHookId: hook.id! });
    await hooks().deleteEventHook({ eventHookId: hook.id! });

    expect(await eventTypesAbout(hook.id!)).toEqual([
      'event_hook.created',
      'event_hook.verified',
      'event_hook.updated',
      'event_hook.deactivated',
      'event_hook.activated',
      'event_hook.deactivated',
      'event_hook.deleted',
    ]);
  });

  it('delivers the events of API changes to a verified hook, after answering the change', async () => {
    const receiver = await startReceiver(echoChallenge());
    const hook = await hooks().createEventHook({ eventHook: hookBody(receiver.url) });
    await hooks().verifyEventHook({ eventHookId: hook.id! });

    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    await receiver.received(2);
    const delivery = receiver.requests[1]!;
    expect(delivery.method).toBe('POST');
    expect(delivery.headers.authorization).toBe(SECRET);
    const body = JSON.parse(delivery.body);
    expect(body.source).toBe(`${env.emulator.url}/api/v1/eventHooks/${hook.id}`);
    expect(body.data.events.map((event: SdkLogEvent) => [event.eventType, event.target?.[0]?.id])).toEqual([
      ['user.lifecycle.create', user.id],
    ]);
  });
});

describe('event hook delivery', () => {
  // Short enough to keep the hanging receivers quick, long enough for a loaded machine to answer.
  const TIMEOUT_MS = 1000;

  /** An org with one verified hook on a receiver, its deliveries batched briefly and timed out fast. */
  async function orgWithHook(answer: (request: Received, index: number) => Answer) {
    const receiver = await startReceiver(answer);
    const log = new SystemLog();
    const hooks = new EventHookRegistry(log);
    const delivery = new EventHookDelivery(hooks, log, { flushIntervalMs: 20, timeoutMs: TIMEOUT_MS });
    const hook = hooks.create(
      eventHookDefinition(hookBody(receiver.url, ['user.lifecycle.create', 'group.user_membership.add'])),
      'https://org.example.com',
    );
    hooks.markVerified(hook.id);
    const appendEvent = (eventType: string, targetId = '00uTarget') =>
      log.append({
        eventType,
        displayMessage: eventType,
        target: [{ id: targetId, type: 'User', alternateId: 'a@example.com', displayName: 'A B' }],
      });
    const failures = () => log.all().filter((event) => event.eventType === 'event_hook.delivery');
    return { receiver, log, hooks, delivery, hook, appendEvent, failures };
  }

  it('posts events that occur together in one request, in Okta’s envelope, with the hook’s headers', async () => {
    const org = await orgWithHook(() => ({ status: 200 }));
    const created = org.appendEvent('user.lifecycle.create', '00uOne');
    org.appendEvent('user.lifecycle.activate');
    const added = org.appendEvent('group.user_membership.add', '00uTwo');
    // Appending returns before anything is sent: the change that caused an event is never held up.
    expect(org.receiver.requests).toHaveLength(0);
    await org.delivery.close();

    expect(org.receiver.requests).toHaveLength(1);
    const [request] = org.receiver.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers).toMatchObject({
      authorization: SECRET,
      'x-tenure-source': 'okta-emulator',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    const body = JSON.parse(request!.body);
    expect(body).toMatchObject({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      contentType: 'application/json',
      source: `https://org.example.com/api/v1/eventHooks/${org.hook.id}`,
    });
    expect(body.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(body.eventTime))).toBe(false);
    expect(body.data.events).toEqual([created, added]);
  });

  it('sends nothing to a hook that is inactive or not verified', async () => {
    const org = await orgWithHook(() => ({ status: 200 }));
    org.hooks.deactivate(org.hook.id);
    const unverified = org.hooks.create(eventHookDefinition(hookBody(org.receiver.url)), 'https://org.example.com');
    org.appendEvent('user.lifecycle.create');
    await org.delivery.close();
    expect(unverified.verificationStatus).toBe('UNVERIFIED');
    expect(org.receiver.requests).toHaveLength(0);
  });

  it('retries once after a server error, with the same body', async () => {
    const org = await orgWithHook((_request, index) => ({ status: index === 0 ? 500 : 200 }));
    org.appendEvent('user.lifecycle.create');
    await org.delivery.close();
    expect(org.receiver.requests).toHaveLength(2);
    expect(org.receiver.requests[1]!.body).toBe(org.receiver.requests[0]!.body);
    expect(org.failures()).toEqual([]);
  });

  it('gives up after two server errors and logs the failed delivery', async () => {
    const org = await orgWithHook(() => ({ status: 500 }));
    org.appendEvent('user.lifecycle.create');
    await org.delivery.close();
    expect(org.receiver.requests).toHaveLength(2);
    expect(org.failures()).toMatchObject([
      {
        outcome: { result: 'FAILURE', reason: 'The endpoint answered 500' },
        target: [{ id: org.hook.id, type: 'EventHook' }],
      },
    ]);
  });

  it('does not retry a client error', async () => {
    const org = await orgWithHook(() => ({ status: 400 }));
    org.appendEvent('user.lifecycle.create');
    await org.delivery.close();
    expect(org.receiver.requests).toHaveLength(1);
    expect(org.failures()).toHaveLength(1);
  });

  it('retries once after a timeout', async () => {
    const org = await orgWithHook((_request, index) => (index === 0 ? 'hang' : { status: 200 }));
    org.appendEvent('user.lifecycle.create');
    await org.delivery.close();
    expect(org.receiver.requests).toHaveLength(2);
    expect(org.failures()).toEqual([]);
  });

  it('gives up after two timeouts', async () => {
    const org = await orgWithHook(() => 'hang');
    org.appendEvent('user.lifecycle.create');
    await org.delivery.close();
    expect(org.receiver.requests).toHaveLength(2);
    expect(org.failures()).toMatchObject([{ outcome: { result: 'FAILURE', reason: `No answer within ${TIMEOUT_MS} ms` } }]);
  });
});

describe('losing deliveries on purpose (admin API)', () => {
  const env = useOktaEmulator({ admin: true });

  function drop(body: unknown, authorization = `SSWS ${TOKEN}`) {
    return fetch(`${env.emulator.url}/emulator/v1/event-hooks/drop`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** Resolves with the next System Log event of that type. */
  function nextLogEvent(eventType: string): Promise<LogEvent> {
    return new Promise((resolve) => {
      const stop = env.emulator.store.log.subscribe((event) => {
        if (event.eventType !== eventType) return;
        stop();
        resolve(event);
      });
    });
  }

  async function verifiedHook(receiver: Receiver) {
    const hook = await env.client.eventHookApi.createEventHook({ eventHook: hookBody(receiver.url) });
    await env.client.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
    return hook;
  }

  const deliveredUsers = (receiver: Receiver) =>
    receiver.requests
      .filter((request) => request.method === 'POST')
      .flatMap((request) => JSON.parse(request.body).data.events.map((event: SdkLogEvent) => event.target?.[0]?.id));

  it('loses the next deliveries unsent, logging each as a failed delivery, and delivers the one after', async () => {
    const receiver = await startReceiver(echoChallenge());
    const hook = await verifiedHook(receiver);
    const answer = await drop({ count: 1 });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ dropNext: 1 });

    const dropped = nextLogEvent('event_hook.delivery');
    await env.client.userApi.createUser({ body: { profile: newProfile() } });
    expect(await dropped).toMatchObject({
      outcome: { result: 'FAILURE', reason: "Dropped on purpose: the emulator's admin API was asked to lose this delivery" },
      target: [{ id: hook.id, type: 'EventHook' }],
    });

    const kept = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    await receiver.received(2);
    expect(deliveredUsers(receiver)).toEqual([kept.id]);
  });

  it('stops losing them when asked for 0', async () => {
    const receiver = await startReceiver(echoChallenge());
    await verifiedHook(receiver);
    await drop({ count: 3 });
    await drop({ count: 0 });
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    await receiver.received(2);
    expect(deliveredUsers(receiver)).toEqual([user.id]);
  });

  it('takes a whole count from the SSWS token only', async () => {
    const refused = await drop({ count: -1 });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errorCode: 'E0000001', errorCauses: [{ errorSummary: 'count: Too small: expected number to be >=0' }] });
    expect((await drop({ count: 1.5 })).status).toBe(400);
    expect((await drop({})).status).toBe(400);
    expect((await drop({ count: 1 }, 'SSWS wrong')).status).toBe(401);
  });
});
