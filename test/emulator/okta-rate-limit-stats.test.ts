import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { TOKEN } from './okta-fixture.ts';

const authorization = `SSWS ${TOKEN}`;

function get(emulator: OktaEmulator, path: string) {
  return fetch(`${emulator.url}${path}`, { headers: { authorization } });
}

async function usage(emulator: OktaEmulator) {
  const response = await get(emulator, '/emulator/v1/rate-limits');
  expect(response.status).toBe(200);
  return response.json();
}

describe('the rate-limit counts of the admin API', () => {
  // On a minute boundary, so that the test knows when the window turns.
  const clock = { now: 1_800_000_000_000 };
  let emulator: OktaEmulator;
  beforeAll(async () => {
    emulator = await startOktaEmulator({ token: TOKEN, admin: true, now: () => clock.now, rateLimits: { limits: { user: 2 } } });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('start at nothing served, with every family’s limit and the window length', async () => {
    const { windowSeconds, families } = await usage(emulator);
    expect(windowSeconds).toBe(60);
    expect(families).toEqual({
      users: { limit: 600, served: 0, rateLimited: 0 },
      user: { limit: 2, served: 0, rateLimited: 0 },
      userOperations: { limit: 600, served: 0, rateLimited: 0 },
      groups: { limit: 500, served: 0, rateLimited: 0 },
      logs: { limit: 120, served: 0, rateLimited: 0 },
      eventHooks: { limit: 1200, served: 0, rateLimited: 0 },
      token: { limit: 2000, served: 0, rateLimited: 0 },
      other: { limit: 1200, served: 0, rateLimited: 0 },
    });
  });

  it('count per family the requests served and the 429s answered, forced ones included, across windows', async () => {
    const userStatuses = [];
    for (let i = 0; i < 3; i++) userStatuses.push((await get(emulator, '/api/v1/users/nobody@example.com')).status);
    expect(userStatuses).toEqual([404, 404, 429]);

    const throttle = await fetch(`${emulator.url}/emulator/v1/faults/groups`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ throttleNext: 1 }),
    });
    expect(throttle.status).toBe(200);
    expect((await get(emulator, '/api/v1/groups')).status).toBe(429);
    expect((await get(emulator, '/api/v1/groups')).status).toBe(200);

    // A new window renews the quota; the counts go on.
    clock.now += 60_000;
    expect((await get(emulator, '/api/v1/users/nobody@example.com')).status).toBe(404);

    const { families } = await usage(emulator);
    expect(families.user).toEqual({ limit: 2, served: 3, rateLimited: 1 });
    // The forced 429 drew on the quota before the fault turned it away, as every request does.
    expect(families.groups).toEqual({ limit: 500, served: 2, rateLimited: 1 });
    // The admin API's own requests draw on no quota.
    expect(families.other).toEqual({ limit: 1200, served: 0, rateLimited: 0 });
    expect(families.users).toEqual({ limit: 600, served: 0, rateLimited: 0 });
  });
});
