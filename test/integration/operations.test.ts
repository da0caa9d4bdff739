import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/runtime/config.ts';
import { startHealthServer, temporalAnswers } from '../../src/runtime/health-server.ts';
import { freePort } from '../../src/runtime/ports.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { holdBatch } from '../../src/guard/held-batch.ts';
import { eventually, handledEvent, postHr, startTestStack } from '../helpers/stack.ts';

/**
 * The production shape in small: a worker process (its own HTTP server for probes and metrics, the
 * SDK's metrics on their own address) and an intake process, on one real Temporal dev server.
 */
let worker: TenureStack;
let intake: TenureStack;
let sdkMetricsAddress: string;

beforeAll(async () => {
  sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  // The worker first: the SDK's runtime, with its metrics exporter, is installed by the first worker of a process.
  // A guard that holds every deprovisioning: the held-batches gauge's subject; the joiner deprovisions nothing.
  worker = await startTestStack({ workerHttpPort: 0, workerMetricsAddress: sdkMetricsAddress, guard: { maxCount: 0, maxShare: 1, windowMs: 3_600_000 } }, { role: 'worker' });
  intake = await startTestStack({ temporalAddress: worker.temporalAddress }, { role: 'intake' });
});

afterAll(async () => {
  await intake?.stop();
  await worker?.stop();
});

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** The value of the sample of `name` whose labels include `labels`, or undefined when the scrape has none. */
function sample(scrape: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = scrape.split('\n').find((candidate) => {
    const [series] = candidate.split(' ');
    return (series === name || series!.startsWith(`${name}{`)) && wanted.every((label) => series!.includes(label));
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('settings', () => {
  it('serve a worker on loopback by default, and refuse an address that is not host:port', () => {
    expect(loadConfig({})).toMatchObject({ workerHttpHost: '127.0.0.1', workerHttpPort: 9464, workerMetricsAddress: '127.0.0.1:9465' });
    expect(loadConfig({ TENURE_WORKER_METRICS_ADDRESS: 'off' }).workerMetricsAddress).toBeUndefined();
    expect(() => loadConfig({ TENURE_WORKER_METRICS_ADDRESS: '9465' })).toThrow('TENURE_WORKER_METRICS_ADDRESS must be host:port (such as 127.0.0.1:9465) or off, got "9465"');
    expect(() => loadConfig({ TENURE_WORKER_HTTP_PORT: 'http' })).toThrow('TENURE_WORKER_HTTP_PORT must be a port number');
  });
});

describe('health', () => {
  it('the intake and the worker are alive and ready while Temporal answers', async () => {
    for (const url of [intake.intakeUrl!, worker.workerHttpUrl!]) {
      expect(await get(`${url}/healthz`)).toEqual({ status: 200, text: JSON.stringify({ status: 'ok' }) });
      expect(await get(`${url}/readyz`)).toEqual({ status: 200, text: JSON.stringify({ status: 'ready' }) });
    }
  });

  it('a worker process listens on loopback, and an intake-only process has no worker server', () => {
    expect(new URL(worker.workerHttpUrl!).hostname).toBe('127.0.0.1');
    expect(intake.workerHttpUrl).toBeUndefined();
  });

  it('is not ready, with the reason, when Temporal does not answer', async () => {
    // A real gRPC client to a port nobody listens on.
    const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const server = await startHealthServer({ host: '127.0.0.1', port: 0, ready: temporalAnswers(client) });
    try {
      const { status, text } = await get(`${server.url}/readyz`);
      expect(status).toBe(503);
      expect(JSON.parse(text)).toMatchObject({ status: 'not ready', reason: expect.stringMatching(/^Temporal does not answer: /) });
      // Alive all the same: restarting the process would not bring Temporal back.
      expect((await get(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
      await client.connection.close();
    }
  });
});

describe('metrics', () => {
  const eventId = 'hr-evt-1001';

  beforeAll(async () => {
    const joiner = await readFile(path.join(projectRoot, 'examples/joiner.json'), 'utf8');
    expect((await postHr(intake, joiner)).status).toBe(202);
    await handledEvent(worker, 'identity/hr/E1001', eventId, (status) => expect(status.lastError).toBeUndefined());
    // The welcome mail (with the temporary password) is the joiner's last action.
    await eventually(() => expect(worker.mailCatcher!.messages()).toHaveLength(1));
  });

  it("the intake counts requests by route and status, and events accepted by source", async () => {
    const { status, text } = await get(`${intake.intakeUrl}/metrics`);
    expect(status).toBe(200);
    expect(sample(text, 'tenure_intake_requests_total', { route: '/hooks/hr', status: '202' })).toBe(1);
    expect(sample(text, 'tenure_events_accepted_total', { source: 'hr' })).toBe(1);
  });

  it("the worker counts the change, each action by target and outcome, and Okta's budget", async () => {
    const { status, text } = await get(`${worker.workerHttpUrl}/metrics`);
    expect(status).toBe(200);
    expect(sample(text, 'tenure_changes_total', { kind: 'joiner', source: 'hr' })).toBe(1);
    expect(sample(text, 'tenure_actions_total', { action: 'syncIdentity', target: 'okta', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    // The welcome mail carries the temporary password: Okta's reset and the mail in one action.
    expect(sample(text, 'tenure_actions_total', { action: 'resetPassword', target: 'okta', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'tenure_actions_total', { outcome: 'failed' })).toBeUndefined();
    // The user was created and read: the emulator's headers told the pacer what is left.
    expect(sample(text, 'tenure_okta_rate_remaining', { family: 'users' })).toBeGreaterThan(0);
    expect(sample(text, 'tenure_okta_throttled_total', { family: 'users' })).toBe(0);
  });

  it('no label carries personal data: the key, name or email of the joiner', async () => {
    const scrapes = (await get(`${worker.workerHttpUrl}/metrics`)).text + (await get(`${intake.intakeUrl}/metrics`)).text;
    for (const personal of ['E1001', 'Lindqvist', 'zoe.lindqvist', 'grace.hopper']) expect(scrapes.includes(personal)).toBe(false);
  });

  it("the Temporal SDK's own metrics are served at TENURE_WORKER_METRICS_ADDRESS", async () => {
    const { status, text } = await get(`http://${sdkMetricsAddress}/metrics`);
    expect(status).toBe(200);
    expect(sample(text, 'temporal_activity_execution_latency_count')).toBeGreaterThan(0);
  });
});

describe('held batches', () => {
  const heldBatches = async (kind: string) => sample((await get(`${intake.intakeUrl}/metrics`)).text, 'tenure_held_batches', { source: 'hr', kind });

  it('the intake reports none held while nothing is', async () => {
    expect(await heldBatches('import')).toBe(0);
    expect(await heldBatches('guard')).toBe(0);
  });

  it('counts a held import of its source from Temporal, until it ends', async () => {
    const workflowId = await holdBatch(intake.client, intake.taskQueue, {
      source: 'hr',
      batchId: 'metrics-test',
      reason: 'a test holds it',
      summary: { leaver: 0 },
      events: [],
      deprovisioning: [],
      admins: 'it-security@example.com',
    });
    // Visibility trails the start by moments.
    await eventually(async () => expect(await heldBatches('import')).toBe(1), { within: 15_000 });
    await intake.client.workflow.getHandle(workflowId).terminate('the test is done with it');
    await eventually(async () => expect(await heldBatches('import')).toBe(0), { within: 15_000 });
  });

  it('says when the mass-change guard holds deprovisionings of its source', async () => {
    const leaver = await readFile(path.join(projectRoot, 'examples/leaver.json'), 'utf8');
    expect((await postHr(intake, leaver)).status).toBe(202);
    await eventually(async () => expect(await heldBatches('guard')).toBe(1), { within: 15_000 });
    expect(await heldBatches('import')).toBe(0);
  });
});
