import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScimFixture, type ScimClient, type ScimFixture } from '../scim/scim-fixture.ts';
import { newProfile } from './okta-fixture.ts';
import { oktaCall, scimUser, settled, startEmulated, wireApp, type Emulated } from './scim-app-fixture.ts';

/**
 * How the emulator delivers its SCIM pushes when the app misbehaves: 5xx and 429 answers are tried
 * again until they land, a 401 fails the task and nothing else, and a queue the emulator could not
 * send before it stopped is sent after it starts again. A small proxy in front of Tenure's SCIM
 * server plays the misbehaving app.
 */

interface FaultyProxy {
  url: string;
  /** The next requests get these answers, one each, instead of reaching Tenure. */
  failNext(...answers: Array<{ status: number; headers?: Record<string, string> }>): void;
  /** Every request fails with 503 until called with false. */
  down(isDown: boolean): void;
  /** Resolves at the next request the proxy sees. */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

async function faultyProxy(targetOrigin: string): Promise<FaultyProxy> {
  let failures: Array<{ status: number; headers?: Record<string, string> }> = [];
  let isDown = false;
  let waiters: Array<() => void> = [];
  const server: Server = createServer(async (request, response) => {
    for (const waiter of waiters) waiter();
    waiters = [];
    const failure = isDown ? { status: 503 } : failures.shift();
    if (failure) {
      response.writeHead(failure.status, failure.headers).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<string, string>;
    const answer = await fetch(`${targetOrigin}${request.url}`, { method: request.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await answer.arrayBuffer());
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failNext: (...answers) => (failures = answers),
    down: (value) => (isDown = value),
    nextRequest: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let scim: ScimFixture;
let proxy: FaultyProxy;

beforeAll(async () => {
  scim = await startScimFixture();
  proxy = await faultyProxy(scim.url);
});
afterAll(async () => {
  await proxy?.close();
  await scim?.close();
});

/** The integration's base URL, reached through the proxy. */
const throughProxy = (target: ScimClient) => ({ baseUrl: target.baseUrl.replace(scim.url, proxy.url), token: target.token });

async function assignNewUser(okta: Emulated, appId: string) {
  const user = await okta.client.userApi.createUser({ body: { profile: newProfile() }, activate: true });
  const assigned = await oktaCall(okta, 'POST', `/api/v1/apps/${appId}/users`, { id: user.id });
  expect(assigned.status).toBe(200);
  return { id: user.id!, login: user.profile!.login! };
}

describe('retries', () => {
  let okta: Emulated;
  beforeAll(async () => {
    okta = await startEmulated();
  });
  afterAll(() => okta?.emulator.close());

  it('a 503 and a 429 are tried again, and the user lands', async () => {
    const target = await scim.integration('okta-retry');
    const appId = await wireApp(okta, 'OIN', throughProxy(target));
    proxy.failNext({ status: 503 }, { status: 429, headers: { 'retry-after': '0' } });
    const user = await assignNewUser(okta, appId);
    const state = await settled(okta, appId);
    expect(await scimUser(target, user.login)).toMatchObject({ externalId: user.id, active: true });
    expect(state.failedTasks).toEqual([]);
    expect(state.calls.map(({ method, status, attempt, outcome }) => ({ method, status, attempt, outcome }))).toEqual([
      { method: 'GET', status: 503, attempt: 1, outcome: 'retrying' },
      { method: 'GET', status: 429, attempt: 2, outcome: 'retrying' },
      { method: 'GET', status: 200, attempt: 3, outcome: 'ok' },
      { method: 'POST', status: 201, attempt: 1, outcome: 'ok' },
    ]);
  });

  it("a 429's Retry-After is waited out, however short the usual backoff", async () => {
    const target = await scim.integration('okta-patient');
    const appId = await wireApp(okta, 'OIN', throughProxy(target));
    proxy.failNext({ status: 429, headers: { 'retry-after': '1' } });
    const started = performance.now();
    const user = await assignNewUser(okta, appId);
    await settled(okta, appId);
    // The backoff alone would have tried again within 5 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(await scimUser(target, user.login)).toMatchObject({ active: true });
  });

  it('an app that keeps failing fails the task after the last try, and the next task still goes', async () => {
    const target = await scim.integration('okta-flaky');
    const appId = await wireApp(okta, 'WIZARD', throughProxy(target));
    proxy.failNext(...Array.from({ length: 4 }, () => ({ status: 502 })));
    const lost = await assignNewUser(okta, appId);
    const state = await settled(okta, appId);
    expect(state.failedTasks).toEqual([expect.objectContaining({ task: 'user.assign', subject: lost.id, reason: 'The app answered 502, 4 times' })]);
    const next = await assignNewUser(okta, appId);
    await settled(okta, appId);
    expect(await scimUser(target, next.login)).toMatchObject({ active: true });
    expect(await scimUser(target, lost.login)).toBeUndefined();
  });
});

describe('a wrong token', () => {
  let okta: Emulated;
  beforeAll(async () => {
    okta = await startEmulated();
  });
  afterAll(() => okta?.emulator.close());

  it('is a failed task; Okta answers as ever, and another app still pushes', async () => {
    const target = await scim.integration('okta-locked');
    const wrongToken = 'not-the-integration-token-4242';
    const locked = await wireApp(okta, 'OIN', { baseUrl: target.baseUrl, token: wrongToken }, 'Locked out');
    const working = await wireApp(okta, 'OIN', target, 'Working');
    const user = await assignNewUser(okta, locked);
    expect((await oktaCall(okta, 'POST', `/api/v1/apps/${working}/users`, { id: user.id })).status).toBe(200);

    const state = await settled(okta, locked);
    expect(state.failedTasks).toEqual([expect.objectContaining({ task: 'user.assign', subject: user.id, reason: 'The app answered 401' })]);
    expect(state.calls).toEqual([expect.objectContaining({ method: 'GET', status: 401, attempt: 1, outcome: 'failed' })]);
    expect(JSON.stringify(state)).not.toContain(wrongToken);
    expect((await oktaCall(okta, 'GET', `/api/v1/apps/${locked}/users/${user.id}`)).body).toMatchObject({ syncState: 'ERROR', externalId: null });
    const failure = okta.emulator.store.log.all().find((event) => event.eventType === 'application.provision.user.push' && event.outcome.result === 'FAILURE');
    expect(failure?.outcome.reason).toBe('The app answered 401');

    await settled(okta, working);
    expect(await scimUser(target, user.login)).toMatchObject({ externalId: user.id, active: true });
  });
});

describe('a restart', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'okta-scim-push-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('sends the pushes the emulator had not delivered when it stopped', async () => {
    const stateFile = path.join(dataDir, 'org.json');
    const target = await scim.integration('okta-restart');
    // So many tries that the push is still pending when the emulator stops.
    const first = await startEmulated({ stateFile, push: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 1_000_000, timeoutMs: 5000 } });
    proxy.down(true);
    let user: { id: string; login: string };
    try {
      const appId = await wireApp(first, 'WIZARD', throughProxy(target));
      const arrived = proxy.nextRequest();
      user = await assignNewUser(first, appId);
      await arrived;
    } finally {
      await first.emulator.close();
    }
    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(saved.apps.apps[0].queue).toEqual([expect.objectContaining({ type: 'user.assign', userId: user.id })]);
    expect(await scimUser(target, user.login)).toBeUndefined();

    proxy.down(false);
    const second = await startEmulated({ stateFile });
    try {
      const appId = saved.apps.apps[0].id;
      await settled(second, appId);
      expect(await scimUser(target, user.login)).toMatchObject({ externalId: user.id, active: true });
      expect((await oktaCall(second, 'GET', `/api/v1/apps/${appId}/users/${user.id}`)).body).toMatchObject({ status: 'PROVISIONED' });
    } finally {
      await second.emulator.close();
    }
  });
});
