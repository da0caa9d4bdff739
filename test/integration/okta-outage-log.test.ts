import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LogEntry } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { eventually, startTestStack, postHr } from '../helpers/stack.ts';

/**
 * What an operator reads while Okta is down: one line when it starts failing and one when it is
 * back, not a warning with a stack for every retried attempt; and the work waits, nothing dropped.
 */

let stack: TenureStack;
const lines: string[] = [];
const workerLog: LogEntry[] = [];

beforeAll(async () => {
  stack = await startTestStack({}, { log: (line) => lines.push(line), workerLog: (entry) => workerLog.push(entry) });
});

afterAll(async () => {
  await stack?.stop();
});

const faults = (rule?: Record<string, number>) =>
  fetch(`${stack.oktaUrl}/emulator/v1/faults${rule ? '/*' : ''}`, {
    method: rule ? 'PUT' : 'DELETE',
    headers: { authorization: 'SSWS tenure-sandbox-token', 'content-type': 'application/json' },
    ...(rule ? { body: JSON.stringify(rule) } : {}),
  }).then((response) => expect(response.ok).toBe(true));

it('an Okta outage is two lines, the attempts stay out of the warnings, and the joiner is made when Okta is back', { timeout: 120_000 }, async () => {
  // What the stack said as it started (where decisions are taken) is not the outage's.
  const started = lines.length;
  await faults({ errorRate: 1 });
  const body = await readFile(path.join(projectRoot, 'examples/joiner.json'), 'utf8');
  const response = await postHr(stack, body);
  expect(response.status).toBe(202);
  const handle = stack.client.workflow.getHandle('identity/hr/E1001');
  await eventually(async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect(pending[0]?.attempt).toBeGreaterThanOrEqual(3);
  });
  await faults();
  await eventually(async () => {
    const status = await handle.query(statusQuery);
    expect(status.lastEventId).toBe('hr-evt-1001');
    expect(status.lastError).toBeUndefined();
  });

  expect(lines.slice(started)).toEqual([
    `Okta at ${stack.oktaUrl} answers 500: Tenure's Okta work waits and is retried until it answers.`,
    `Okta at ${stack.oktaUrl} answers again.`,
  ]);
  expect(workerLog.filter((entry) => entry.message === 'Activity failed' && entry.level === 'WARN')).toEqual([]);
});
