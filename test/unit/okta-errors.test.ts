import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import okta from '@okta/okta-sdk-nodejs';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOktaClient } from '../../src/okta/client.ts';
import { toActivityError } from '../../src/okta/errors.ts';

const USERS_URL = 'https://acme.okta.com/api/v1/users';
const DATE = 'Thu, 15 Jan 2026 10:00:30 GMT';
const DATE_SECONDS = Date.parse(DATE) / 1000;

function oktaError(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return new okta.OktaApiError(USERS_URL, status, body, new Headers(headers));
}

const throttled = (headers: Record<string, string>) =>
  oktaError(429, { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorCauses: [] }, headers);

function asFailure(error: Error): ApplicationFailure {
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('a 429', () => {
  it('is retried when X-Rate-Limit-Reset says, measured against Okta\'s Date, a second late', () => {
    const failure = asFailure(toActivityError(throttled({ 'x-rate-limit-reset': String(DATE_SECONDS + 30), date: DATE }), 'creating jane'));
    expect(failure).toMatchObject({
      type: 'OktaRateLimited',
      nonRetryable: false,
      nextRetryDelay: 31_000,
      message: 'creating jane: Okta answered 429 E0000047 API call exceeded rate limit due to too many requests.',
    });
  });

  it('is retried a second later when the reset has passed, and after a minute at most', () => {
    const passed = asFailure(toActivityError(throttled({ 'x-rate-limit-reset': String(DATE_SECONDS - 5), date: DATE }), 'x'));
    const farOff = asFailure(toActivityError(throttled({ 'x-rate-limit-reset': String(DATE_SECONDS + 3600), date: DATE }), 'x'));
    expect([passed.nextRetryDelay, farOff.nextRetryDelay]).toEqual([1000, 61_000]);
  });

  it('is retried at the retry policy\'s pace when Okta gives no reset', () => {
    const failure = asFailure(toActivityError(throttled({}), 'x'));
    expect({ type: failure.type, nonRetryable: failure.nonRetryable, nextRetryDelay: failure.nextRetryDelay }).toEqual({
      type: 'OktaRateLimited',
      nonRetryable: false,
      nextRetryDelay: undefined,
    });
  });
});

describe('a 5xx', () => {
  it('is retried with backoff, and shows Okta\'s code and summary', () => {
    const failure = asFailure(toActivityError(oktaError(500, { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] }), 'adding jane to Sales'));
    expect(failure).toMatchObject({
      type: 'OktaUnavailable',
      nonRetryable: false,
      nextRetryDelay: undefined,
      message: 'adding jane to Sales: Okta answered 500 E0000009 Internal Server Error',
    });
  });
});

describe('any other 4xx', () => {
  it('is final, with Okta\'s code, summary and causes in the message and the details', () => {
    const error = oktaError(400, {
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: login',
      errorCauses: [{ errorSummary: 'login: An object with this field already exists in the current organization' }],
    });
    const failure = asFailure(toActivityError(error, 'creating jane'));
    expect(failure).toMatchObject({
      type: 'OktaError',
      nonRetryable: true,
      message:
        'creating jane: Okta answered 400 E0000001 Api validation failed: login (login: An object with this field already exists in the current organization)',
      details: [
        {
          status: 400,
          errorCode: 'E0000001',
          errorSummary: 'Api validation failed: login',
          errorCauses: ['login: An object with this field already exists in the current organization'],
        },
      ],
    });
  });
});

describe('errors below Okta\'s API', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A proxy in front of Okta answering with its own page.
    server = createServer((_request, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html>proxy page 10.0.0.7</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function failureOf(call: Promise<unknown>, doing: string): Promise<ApplicationFailure> {
    const error = await call.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    return asFailure(toActivityError(error, doing));
  }

  it('a 5xx without an Okta body is retried, and its body is not shown', async () => {
    const failure = await failureOf(createOktaClient({ orgUrl: url, token: 't' }).userApi.getUser({ userId: 'jane' }), 'reading jane');
    expect(failure).toMatchObject({ type: 'OktaUnavailable', nonRetryable: false, message: 'reading jane: Okta answered 502' });
  });

  it('a refused connection is retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await failureOf(createOktaClient({ orgUrl: `http://127.0.0.1:${port}`, token: 't' }).userApi.getUser({ userId: 'jane' }), 'reading jane');
    expect(failure.type).toBe('OktaUnreachable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/^reading jane: Okta could not be reached: .*ECONNREFUSED/);
  });

  it('a connection dropped before the answer is retried', async () => {
    const dropping = createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    try {
      const orgUrl = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`;
      const failure = await failureOf(createOktaClient({ orgUrl, token: 't' }).userApi.getUser({ userId: 'jane' }), 'reading jane');
      expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({ type: 'OktaUnreachable', nonRetryable: false });
    } finally {
      await new Promise((resolve) => dropping.close(resolve));
    }
  });

  it('a fault in Tenure itself is left as it is', () => {
    const bug = new TypeError('Cannot read properties of undefined');
    expect(toActivityError(bug, 'x')).toBe(bug);
  });
});
