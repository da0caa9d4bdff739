import { setTimeout as sleep } from 'node:timers/promises';
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scimTarget } from '../../src/targets/scim/scim-target.ts';
import { json, startStub, type StubServer } from './scim-stub.ts';

/**
 * A SCIM request made inside a Temporal activity is given up when the activity is cancelled (or
 * its attempt times out): waiting its turn under the rate limit, or on its way. The activity is
 * stood in for by the context the SDK keeps in its AsyncLocalStorage, carrying the one thing the
 * target reads from it, the cancellation signal; outside any context, requests go as before.
 */

let stub: StubServer;

beforeAll(async () => {
  stub = await startStub((request, response) => {
    if (request.url?.startsWith('/Users/silent')) return; // never answers
    json(response, 204, undefined);
  });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
});

/** Runs `work` as inside an activity whose cancellation is `signal`. */
const inActivity = <T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> => asyncLocalStorage.run({ cancellationSignal: signal } as Context, work);

const sent = () => stub.requests.map((request) => request.path);

describe('a SCIM request of a cancelled activity', () => {
  it('waiting its turn under the rate limit: given up at once, and never sent', async () => {
    const target = scimTarget('stubapp', { url: stub.url, credentials: { bearerToken: 'stub-token' }, rateLimit: { requests: 1, perMs: 500 } });
    const activity = new AbortController();
    const reason = new CancelledFailure('CANCELLED');
    await inActivity(activity.signal, () => target.deleteIdentity({ key: 'E1', accountId: 'first' }));
    const started = Date.now();
    const waiting = inActivity(activity.signal, () => target.deleteIdentity({ key: 'E2', accountId: 'abandoned' })).catch((error: unknown) => error);
    setTimeout(() => activity.abort(reason), 100);
    expect(await waiting).toBe(reason);
    expect(Date.now() - started).toBeLessThan(400);
    // Well past its turn: it was never sent, and a request outside any activity goes as before.
    await sleep(600);
    await target.deleteIdentity({ key: 'E3', accountId: 'outside' });
    expect(sent()).toEqual(['/Users/first', '/Users/outside']);
  });

  it('on its way: dropped at once, ending as cancelled rather than as an unreachable app', async () => {
    const target = scimTarget('stubapp', { url: stub.url, credentials: { bearerToken: 'stub-token' } });
    const activity = new AbortController();
    const reason = new CancelledFailure('TIMED_OUT');
    const started = Date.now();
    const inFlight = inActivity(activity.signal, () => target.deleteIdentity({ key: 'E1', accountId: 'silent' })).catch((error: unknown) => error);
    setTimeout(() => activity.abort(reason), 200);
    expect(await inFlight).toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
