import { ApplicationFailureCategory } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/runtime/ports.ts';
import { scimTarget } from '../../src/targets/scim/scim-target.ts';
import { ERROR } from '../scim/scim-fixture.ts';
import { json, startStub, type StubHandler, type StubServer } from './scim-stub.ts';
import { targetFailure } from './target-failure.ts';

/**
 * What the SCIM target makes of each kind of failed answer, over real HTTP from a stub app:
 * passing ones are retryable and BENIGN, final ones carry the app's own words, and no message
 * ever holds the token.
 */

const TOKEN = 'stub-bearer-token-never-shown';

let answer: StubHandler = (_request, response) => json(response, 204, undefined);
let stub: StubServer;

beforeAll(async () => {
  stub = await startStub((request, response) => answer(request, response));
});
afterAll(async () => {
  await stub.close();
});
afterEach(() => {
  stub.requests.length = 0;
});

const target = (url = stub.url, timeoutMs?: number) => scimTarget('stubapp', { url, credentials: { bearerToken: TOKEN } }, { timeoutMs });

const failure = (operation: Promise<unknown>) => targetFailure(operation, TOKEN);

describe('a SCIM app answering', () => {
  it('sends SCIM JSON with the bearer token', async () => {
    answer = (_request, response) => json(response, 204, undefined);
    expect(await target().deleteIdentity({ key: 'E1', accountId: 'u1' })).toEqual({ deleted: true });
    expect(stub.requests).toMatchObject([{ method: 'DELETE', path: '/Users/u1', authorization: `Bearer ${TOKEN}` }]);
  });

  it('429 with Retry-After in seconds: retried after that long, quietly', async () => {
    answer = (_request, response) => json(response, 429, { schemas: [ERROR], status: '429', detail: 'slow down' }, { 'retry-after': '7' });
    const failed = await failure(target().deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed).toMatchObject({ type: 'ScimRateLimited', nonRetryable: false, nextRetryDelay: 7000, category: ApplicationFailureCategory.BENIGN });
    expect(failed.message).toBe('DELETE_IDENTITY u1: stubapp answered 429 slow down');
  });

  it('429 with Retry-After as an HTTP date: retried then', async () => {
    const when = new Date(Date.now() + 30_000).toUTCString();
    answer = (_request, response) => json(response, 429, undefined, { 'retry-after': when });
    const failed = await failure(target().deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed.nextRetryDelay).toBeGreaterThan(27_000);
    expect(failed.nextRetryDelay).toBeLessThanOrEqual(30_000);
  });

  it('503: retryable, quietly', async () => {
    answer = (_request, response) => json(response, 503, undefined);
    const failed = await failure(target().deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed).toMatchObject({ type: 'ScimUnavailable', nonRetryable: false, category: ApplicationFailureCategory.BENIGN, message: 'DELETE_IDENTITY u1: stubapp answered 503' });
  });

  it('401 or 403: retryable, so that the work waits for a fixed credential', async () => {
    for (const status of [401, 403]) {
      answer = (_request, response) => json(response, status, { schemas: [ERROR], status: String(status), detail: 'integration disabled' });
      const failed = await failure(target().deleteIdentity({ key: 'E1', accountId: 'u1' }));
      expect(failed).toMatchObject({ type: 'ScimCredentialRefused', nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
      expect(failed.message).toBe(`DELETE_IDENTITY u1: stubapp answered ${status} integration disabled (credential refused)`);
    }
  });

  it("400 with scimType and detail: final, in the app's own words", async () => {
    answer = (_request, response) => json(response, 400, { schemas: [ERROR], status: '400', scimType: 'invalidValue', detail: 'title is too\n long' });
    const failed = await failure(target().deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed).toMatchObject({ type: 'ScimError', nonRetryable: true });
    expect(failed.message).toBe('DELETE_IDENTITY u1: stubapp answered 400 invalidValue title is too long');
  });

  it('a 4xx whose body is no SCIM error (a proxy page): final, with the status only', async () => {
    answer = (_request, response) => {
      response.writeHead(422, { 'content-type': 'text/html' });
      response.end(`<html>${TOKEN}</html>`);
    };
    const failed = await failure(target().deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed).toMatchObject({ nonRetryable: true, message: 'DELETE_IDENTITY u1: stubapp answered 422' });
  });

  it('nothing, the connection refused: retryable, quietly', async () => {
    const closed = await freePort();
    const failed = await failure(target(`http://127.0.0.1:${closed}`).deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed).toMatchObject({ type: 'ScimUnreachable', nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
    expect(failed.message).toBe('DELETE_IDENTITY u1: stubapp could not be reached (ECONNREFUSED)');
  });

  it('nothing in time: retryable', async () => {
    answer = () => undefined; // never answers
    const failed = await failure(target(stub.url, 200).deleteIdentity({ key: 'E1', accountId: 'u1' }));
    expect(failed).toMatchObject({ type: 'ScimUnreachable', nonRetryable: false, message: 'DELETE_IDENTITY u1: stubapp could not be reached (timeout)' });
  });
});

describe("an app's detail that echoes what it was sent", () => {
  const joiner = {
    key: 'E7',
    accountId: undefined,
    create: true,
    attributes: { login: 'Ada.Lovelace@example.com', first_name: 'Ada', last_name: 'Lovelace', preferred_language: 'en' },
    fallbacks: {},
    createOnly: [],
    reactivate: false,
    restoreGroups: [],
  };
  const noneFound = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] };

  it('has every value of the body masked, ignoring case, before it reaches the message', async () => {
    answer = (request, response) => {
      if (request.method === 'GET') return json(response, request.url?.startsWith('/Users?') ? 200 : 404, request.url?.startsWith('/Users?') ? noneFound : undefined);
      json(response, 409, { schemas: [ERROR], status: '409', scimType: 'mutability', detail: 'userName "ada.lovelace@example.com" (Ada Lovelace) already exists; en is fine' });
    };
    const failed = await failure(target().syncIdentity(joiner));
    expect(failed).toMatchObject({ type: 'ScimError', nonRetryable: true });
    // "en" is too short to mask without mangling words.
    expect(failed.message).toBe('SYNC_IDENTITIES E7: stubapp answered 409 mutability userName "<value>" (<value> <value>) already exists; en is fine');
    expect(failed.details).toEqual([{ status: 409, scimType: 'mutability', detail: 'userName "<value>" (<value> <value>) already exists; en is fine' }]);
  });

  it("has the values of the request's filter masked", async () => {
    answer = (request, response) => {
      if (request.url?.includes('userName')) return json(response, 400, { schemas: [ERROR], status: '400', scimType: 'invalidFilter', detail: 'cannot search for Ada.Lovelace@example.com' });
      json(response, 200, noneFound);
    };
    const failed = await failure(target().syncIdentity(joiner));
    expect(failed.message).toBe('SYNC_IDENTITIES E7: stubapp answered 400 invalidFilter cannot search for <value>');
  });
});

describe('what an app can do, when it does not say', () => {
  // Asked at the worker's start and by `tenure validate`, which print "target stubapp could not be reached (<reason>)".
  it('is the reason alone: the socket error, the timeout, or what the app answered', async () => {
    await expect(target(`http://127.0.0.1:${await freePort()}`).capabilities()).rejects.toThrow(/^ECONNREFUSED$/);
    answer = () => undefined; // never answers
    await expect(target(stub.url, 200).capabilities()).rejects.toThrow(/^timeout$/);
    answer = (_request, response) => json(response, 401, { schemas: [ERROR], status: '401', detail: 'token revoked' });
    await expect(target().capabilities()).rejects.toThrow(/^answered 401 token revoked$/);
  });
});

describe('the rate limit of a connection', () => {
  it('holds requests over the limit until their turn, and drops none', async () => {
    answer = (_request, response) => json(response, 204, undefined);
    const paced = scimTarget('stubapp', { url: stub.url, credentials: { bearerToken: TOKEN }, rateLimit: { requests: 2, perMs: 300 } });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, (_, index) => paced.deleteIdentity({ key: 'E1', accountId: `u${index}` })));
    expect(results).toEqual(Array(6).fill({ deleted: true }));
    // Its own requests only: one an earlier test left in flight may land meanwhile.
    const times = stub.requests.filter((request) => request.path.startsWith('/Users/u')).map((request) => request.at).sort((a, b) => a - b);
    expect(times).toHaveLength(6);
    // Any three in a row span a window at least: never three within 300 ms.
    for (let index = 2; index < times.length; index++) expect(times[index]! - times[index - 2]!).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });
});
