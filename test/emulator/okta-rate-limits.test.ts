import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointFamily } from '../../src/emulator/okta/endpoint-families.ts';
import { FAST_RATE_LIMITS, FAST_RATE_LIMITS_NOTICE } from '../../src/emulator/okta/rate-limits.ts';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { createOktaClient } from '../../src/okta/client.ts';
import { expectOktaError, newProfile, TOKEN } from './okta-fixture.ts';
import { requestToken } from './oauth-fixture.ts';

/** A clock the test moves by hand, starting on a minute boundary so that windows are predictable. */
function manualClock(start = 1_800_000_000_000) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

function get(emulator: OktaEmulator, path: string, authorization = `SSWS ${TOKEN}`) {
  return fetch(`${emulator.url}${path}`, { headers: { authorization, accept: 'application/json' } });
}

function rateLimitHeaders(response: Response) {
  return {
    limit: response.headers.get('x-rate-limit-limit'),
    remaining: response.headers.get('x-rate-limit-remaining'),
    reset: response.headers.get('x-rate-limit-reset'),
  };
}

const rateLimited = {
  status: 429,
  errorCode: 'E0000047',
  errorSummary: 'API call exceeded rate limit due to too many requests.',
};

describe('endpoint families', () => {
  it('buckets requests as Okta does', () => {
    const paths = [
      '/api/v1/users',
      '/api/v1/users?search=profile.department%20eq%20%22Sales%22',
      '/api/v1/users/00u1abc',
      '/api/v1/users/jane@example.com',
      '/api/v1/users/00u1abc/lifecycle/activate',
      '/api/v1/users/00u1abc/groups',
      '/api/v1/groups',
      '/api/v1/groups/00g1/users/00u1',
      '/api/v1/logs?since=2026-01-01T00:00:00Z',
      '/api/v1/eventHooks/who1/lifecycle/verify',
      '/oauth2/v1/token',
      '/api/v1/apps',
      '/api/v1/usersandmore',
    ];
    expect(Object.fromEntries(paths.map((path) => [path, endpointFamily(path.split('?')[0]!)]))).toEqual({
      '/api/v1/users': 'users',
      '/api/v1/users?search=profile.department%20eq%20%22Sales%22': 'users',
      '/api/v1/users/00u1abc': 'user',
      '/api/v1/users/jane@example.com': 'user',
      '/api/v1/users/00u1abc/lifecycle/activate': 'userOperations',
      '/api/v1/users/00u1abc/groups': 'userOperations',
      '/api/v1/groups': 'groups',
      '/api/v1/groups/00g1/users/00u1': 'groups',
      '/api/v1/logs?since=2026-01-01T00:00:00Z': 'logs',
      '/api/v1/eventHooks/who1/lifecycle/verify': 'eventHooks',
      '/oauth2/v1/token': 'token',
      '/api/v1/apps': 'other',
      '/api/v1/usersandmore': 'other',
    });
  });
});

describe('with the default limits', () => {
  let emulator: OktaEmulator;
  beforeAll(async () => {
    emulator = await startOktaEmulator({ token: TOKEN });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('tells every answer, success or refusal, its request id, date and quota', async () => {
    const responses = [
      await get(emulator, '/api/v1/users'),
      await get(emulator, '/api/v1/users/nobody@example.com'),
      await get(emulator, '/api/v1/users', 'SSWS wrong'),
      await get(emulator, '/api/v1/no-such-endpoint'),
      (await requestToken(emulator.url, { grant_type: 'client_credentials' })).response,
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 404, 401, 404, 401]);
    for (const response of responses) {
      expect(response.headers.get('x-okta-request-id')).toMatch(/^[A-Za-z0-9_-]{27}$/);
      const date = Date.parse(response.headers.get('date') ?? '');
      const { limit, remaining, reset } = rateLimitHeaders(response);
      expect(Number(limit)).toBeGreaterThan(0);
      expect(Number(remaining)).toBeLessThan(Number(limit));
      // The window ends within a minute of the answer, in whole epoch seconds.
      expect(Number(reset) * 1000 - date).toBeGreaterThan(0);
      expect(Number(reset) * 1000 - date).toBeLessThanOrEqual(60_000);
    }
  });

  it('allows Okta’s documented per-minute limits', async () => {
    const byId = rateLimitHeaders(await get(emulator, '/api/v1/users/nobody@example.com'));
    const list = rateLimitHeaders(await get(emulator, '/api/v1/users'));
    const logs = rateLimitHeaders(await get(emulator, '/api/v1/logs'));
    expect([byId.limit, list.limit, logs.limit]).toEqual(['2000', '600', '120']);
    expect(emulator.rateLimitNotice).toBeUndefined();
  });
});

describe('with the fast setting', () => {
  it('allows a hundred times Okta’s limits, and says it is fast', async () => {
    const emulator = await startOktaEmulator({ token: TOKEN, rateLimits: FAST_RATE_LIMITS });
    try {
      const byId = rateLimitHeaders(await get(emulator, '/api/v1/users/nobody@example.com'));
      const logs = rateLimitHeaders(await get(emulator, '/api/v1/logs'));
      expect([byId.limit, logs.limit]).toEqual(['200000', '12000']);
      expect(emulator.rateLimitNotice).toBe(FAST_RATE_LIMITS_NOTICE);
    } finally {
      await emulator.close();
    }
  });
});

describe('over the limit', () => {
  const clock = manualClock();
  let emulator: OktaEmulator;
  beforeAll(async () => {
    emulator = await startOktaEmulator({ token: TOKEN, now: clock.read, rateLimits: { limits: { user: 3, groups: 1 } } });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('answers 429 E0000047 until the window ends, each family on its own quota', async () => {
    const windowEnd = String(clock.now / 1000 + 60);
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const response = await get(emulator, '/api/v1/users/nobody@example.com');
      answers.push({ status: response.status, ...rateLimitHeaders(response) });
    }
    expect(answers).toEqual([
      { status: 404, limit: '3', remaining: '2', reset: windowEnd },
      { status: 404, limit: '3', remaining: '1', reset: windowEnd },
      { status: 404, limit: '3', remaining: '0', reset: windowEnd },
      { status: 429, limit: '3', remaining: '0', reset: windowEnd },
    ]);
    const refusal = await get(emulator, '/api/v1/users/nobody@example.com');
    expect(await refusal.json()).toMatchObject({ errorCode: 'E0000047', errorSummary: rateLimited.errorSummary });
    expect(new Date(refusal.headers.get('date')!).getTime()).toBe(clock.now);

    expect((await get(emulator, '/api/v1/users')).status).toBe(200);
    expect((await get(emulator, '/api/v1/groups')).status).toBe(200);
    expect((await get(emulator, '/api/v1/groups')).status).toBe(429);

    clock.now += 59_999;
    expect((await get(emulator, '/api/v1/users/nobody@example.com')).status).toBe(429);
    clock.now += 1;
    const reopened = await get(emulator, '/api/v1/users/nobody@example.com');
    expect({ status: reopened.status, ...rateLimitHeaders(reopened) }).toEqual({
      status: 404,
      limit: '3',
      remaining: '2',
      reset: String(clock.now / 1000 + 60),
    });
  });

  it('shows the SDK an Okta rate-limit error once it stops retrying', async () => {
    const client = new okta.Client({
      orgUrl: emulator.url,
      token: TOKEN,
      cacheMiddleware: null,
      requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
    });
    await get(emulator, '/api/v1/groups');
    await expectOktaError(client.groupApi.listGroups().then((groups) => groups.next()), rateLimited);
  });
});

describe('the SDK against a short window', () => {
  it('waits for the window to reopen, as X-Rate-Limit-Reset and Date tell it, and succeeds', async () => {
    const clock = manualClock();
    const emulator = await startOktaEmulator({ token: TOKEN, now: clock.read, rateLimits: { windowSeconds: 1, limits: { user: 1 } } });
    try {
      // The SDK's own retrying executor, as other Okta clients use it; Tenure's paces instead.
      const client = createOktaClient({ orgUrl: emulator.url, token: TOKEN }, { requestExecutor: new okta.DefaultRequestExecutor() });
      const served: number[] = [];
      client.requestExecutor.on('response', (response: { status: number }) => served.push(response.status));
      // The SDK waits for real; the emulator's window ends when the SDK starts waiting.
      client.requestExecutor.on('backoff', () => {
        clock.now += 1000;
      });

      const user = await client.userApi.createUser({ body: { profile: newProfile() } });
      expect((await client.userApi.getUser({ userId: user.id! })).id).toBe(user.id);
      expect((await client.userApi.getUser({ userId: user.id! })).id).toBe(user.id);

      expect(served).toEqual([200, 200, 429, 200]);
    } finally {
      await emulator.close();
    }
  });
});
