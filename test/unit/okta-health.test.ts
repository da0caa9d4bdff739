import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import okta from '@okta/okta-sdk-nodejs';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createOktaClient } from '../../src/okta/client.ts';
import { toActivityError } from '../../src/okta/errors.ts';
import { OktaHealth } from '../../src/okta/health.ts';
import { probeOkta } from '../../src/okta/probe.ts';

const TOKEN = '00secretTokenValue0123456789abcdefghijklmn';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** An Okta double answering each request with the next status of `statuses` (the last one repeats). */
async function fakeOkta(statuses: number[]): Promise<string> {
  server = createServer((_request, response) => {
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
    const body =
      status === 401
        ? { errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorCauses: [] }
        : status >= 400
          ? { errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] }
          : { id: '00u1', status: 'ACTIVE', profile: { login: 'jane@example.com' } };
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 200 && _request.url?.includes('limit') ? [] : body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** A port nothing listens on. */
async function closedOrg(): Promise<string> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function attempts(client: ReturnType<typeof createOktaClient>, count: number): Promise<void> {
  for (let attempt = 0; attempt < count; attempt += 1) await client.userApi.getUser({ userId: 'jane' }).catch(() => undefined);
}

describe('a failing Okta is reported once, in one line', () => {
  it('a refused credential: one line naming the org, the status and the code, never the token; one when it answers again', async () => {
    const orgUrl = await fakeOkta([401, 401, 401, 200]);
    const lines: string[] = [];
    const client = createOktaClient({ orgUrl, token: TOKEN }, { health: new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line)) });
    await attempts(client, 5);
    expect(lines).toEqual([
      `Okta at ${orgUrl} refuses Tenure's credential (401 E0000011): fix OKTA_API_TOKEN and restart Tenure; its Okta work waits until then.`,
      `Okta at ${orgUrl} answers again.`,
    ]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('unreachable: one line with the socket error, however many attempts', async () => {
    const orgUrl = await closedOrg();
    const lines: string[] = [];
    const client = createOktaClient({ orgUrl, token: TOKEN }, { health: new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line)) });
    await attempts(client, 3);
    expect(lines).toEqual([`Okta at ${orgUrl} cannot be reached (ECONNREFUSED): Tenure's Okta work waits and is retried until it answers.`]);
  });

  it('failing with 5xx: one line with the status', async () => {
    const orgUrl = await fakeOkta([503]);
    const lines: string[] = [];
    const client = createOktaClient({ orgUrl, token: TOKEN }, { health: new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line)) });
    await attempts(client, 3);
    expect(lines).toEqual([`Okta at ${orgUrl} answers 503: Tenure's Okta work waits and is retried until it answers.`]);
  });
});

describe('the start-up probe', () => {
  it('refuses to start, in one line, when Okta refuses the credential', async () => {
    const orgUrl = await fakeOkta([401]);
    const lines: string[] = [];
    const health = new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line));
    await expect(probeOkta(createOktaClient({ orgUrl, token: TOKEN }), health)).rejects.toThrow(
      `Okta at ${orgUrl} refuses Tenure's credential (401 E0000011): fix OKTA_API_TOKEN and restart Tenure; its Okta work waits until then.`,
    );
    expect(lines).toEqual([]);
  });

  it('starts anyway, saying so once, when Okta cannot be reached: work waits, it is not dropped', async () => {
    const orgUrl = await closedOrg();
    const lines: string[] = [];
    await expect(probeOkta(createOktaClient({ orgUrl, token: TOKEN }), new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line)))).resolves.toBeUndefined();
    expect(lines).toEqual([`Okta at ${orgUrl} cannot be reached (ECONNREFUSED): Tenure's Okta work waits and is retried until it answers.`]);
  });

  it('starts anyway when Okta answers 429: another worker or tenant holds the budget for now', async () => {
    const orgUrl = await fakeOkta([429]);
    const lines: string[] = [];
    await expect(probeOkta(createOktaClient({ orgUrl, token: TOKEN }), new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line)))).resolves.toBeUndefined();
    expect(lines).toEqual([`Okta at ${orgUrl} answers 429: Tenure's Okta work waits and is retried until it answers.`]);
  });

  it('says nothing when Okta answers', async () => {
    const orgUrl = await fakeOkta([200]);
    const lines: string[] = [];
    await probeOkta(createOktaClient({ orgUrl, token: TOKEN }), new OktaHealth(orgUrl, 'OKTA_API_TOKEN', (line) => lines.push(line)));
    expect(lines).toEqual([]);
  });
});

describe('failed attempts in the worker log', () => {
  const oktaError = (status: number, errorCode: string) =>
    new okta.OktaApiError('https://acme.okta.com/api/v1/users', status, { errorCode, errorSummary: 'x', errorCauses: [] }, new Headers());

  it('a refused credential, an outage and a 429 wait and retry, and are BENIGN: the worker logs each attempt at DEBUG, not as a warning', () => {
    for (const [error, type] of [
      [oktaError(401, 'E0000011'), 'OktaCredentialRefused'],
      [oktaError(503, 'E0000009'), 'OktaUnavailable'],
      [oktaError(429, 'E0000047'), 'OktaRateLimited'],
      [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'OktaUnreachable'],
    ] as const) {
      const failure = toActivityError(error, 'reading jane') as ApplicationFailure;
      expect({ type: failure.type, nonRetryable: failure.nonRetryable, category: failure.category }).toEqual({ type, nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
    }
  });

  it('a final 4xx stays a warning', () => {
    const failure = toActivityError(oktaError(400, 'E0000001'), 'creating jane') as ApplicationFailure;
    expect({ nonRetryable: failure.nonRetryable, category: failure.category }).toEqual({ nonRetryable: true, category: undefined });
  });
});
