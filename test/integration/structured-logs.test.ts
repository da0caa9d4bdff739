import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLogFormat } from '../../src/logging/log-format.ts';
import { loadConfig, projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';
import { eventually, handledEvent, startTestStack, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';

/**
 * What an operator's log platform receives: every line one JSON object, and one event followed
 * from the intake's request to the activities it caused by the caller's X-Request-Id, with no
 * personal data of the person on any line.
 */

let stack: TenureStack;
const lines: string[] = [];

beforeAll(async () => {
  // DEBUG: the SDK's "Activity completed" lines are the ones that name each activity.
  stack = await startTestStack({ logFormat: 'json', logLevel: 'DEBUG' }, { logSink: (line) => lines.push(line) });
});

afterAll(async () => {
  await stack?.stop();
});

/** Posts an HR body as an HR system would, with the request id its caller chose (if any). */
function postHr(body: string, requestId?: string): Promise<Response> {
  return fetch(`${stack.intakeUrl}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET), ...(requestId ? { 'x-request-id': requestId } : {}) },
    body,
  });
}

type Line = Record<string, unknown>;
const parsed = (): Line[] => lines.map((line) => JSON.parse(line) as Line);
const activityLines = (correlationId: string) =>
  parsed().filter((line) => line.workflowId === 'identity/hr/E1001' && line.message === 'Activity completed' && line.correlationId === correlationId);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('one joiner followed by its request id', () => {
  let joiner: { record: Record<string, string> };

  beforeAll(async () => {
    const body = await readFile(path.join(projectRoot, 'examples/joiner.json'), 'utf8');
    joiner = JSON.parse(body);
    const response = await postHr(body, 'test-corr-123');
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe('test-corr-123');
    await handledEvent(stack, 'identity/hr/E1001', 'hr-evt-1001', (status) => expect(status.lastError).toBeUndefined());
    // The welcome mail is the joiner's last action.
    await eventually(() => expect(stack.mailCatcher!.messages()).toHaveLength(1));
    await eventually(() => expect(activityLines('test-corr-123').map((line) => line.activityType)).toContain('resetPassword'));
  });

  it('every line is one JSON object with time, level, message and the process role', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of parsed()) {
      expect(line).toMatchObject({ time: expect.any(String), level: expect.any(String), message: expect.any(String), role: 'all' });
      expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
    }
  });

  it("the intake's request line names the request by route pattern under the caller's id", () => {
    const requests = parsed().filter((line) => line.component === 'intake' && line.message === 'request completed' && line.route === '/hooks/hr');
    expect(requests).toEqual([expect.objectContaining({ level: 'info', method: 'POST', status: 202, correlationId: 'test-corr-123', durationMs: expect.any(Number) })]);
  });

  it("the activities of that person's actions log the same id, with the SDK's attributes", () => {
    const activities = activityLines('test-corr-123');
    const types = activities.map((line) => line.activityType);
    // Planning, the Okta sync and the welcome mail with the temporary password.
    expect(types).toEqual(expect.arrayContaining(['planChange', 'resetPassword']));
    expect(types.some((type) => /syncIdentity/i.test(String(type)))).toBe(true);
    expect(activities[0]).toMatchObject({ workflowType: 'identityWorkflow', taskQueue: stack.taskQueue, sdkComponent: 'worker' });
    // The task token would let whoever reads the logs complete the activity.
    expect(parsed().filter((line) => 'taskToken' in line)).toEqual([]);
  });

  it('a later change to the same identity carries its own id to its activities', async () => {
    const mover = JSON.stringify({ eventId: 'hr-evt-1002', record: { ...joiner.record, title: 'Staff Engineer' } });
    expect((await postHr(mover, 'test-corr-456')).status).toBe(202);
    await handledEvent(stack, 'identity/hr/E1001', 'hr-evt-1002');
    await eventually(() => expect(activityLines('test-corr-456').map((line) => line.activityType)).toContain('planChange'));
  });

  it('a URL with a name in it is logged by its route pattern, and no line holds the personal data of the joiner', async () => {
    // A query (as a SCIM filter does) and a path that name the person; both refused, and logged all the same.
    const named = [
      { url: `${stack.intakeUrl}/hooks/hr?filter=${encodeURIComponent('userName eq "zoe.lindqvist@example.com"')}`, route: '/hooks/hr', status: 401 },
      { url: `${stack.intakeUrl}/people/zoe.lindqvist`, route: 'unmatched', status: 404 },
    ];
    for (const { url, route, status } of named) {
      const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(refused.status).toBe(status);
      // Written once the answer is sent, so a moment after the caller has it.
      await eventually(() =>
        expect(parsed().filter((line) => line.correlationId === refused.headers.get('x-request-id') && line.message === 'request completed')).toEqual([
          expect.objectContaining({ route, status }),
        ]),
        { within: 10_000 },
      );
    }
    const { first_name, last_name, department, title, manager_id, manager_email, start_date } = joiner.record;
    const logged = lines.join('\n').toLowerCase();
    for (const personal of [first_name, last_name, department, title, 'Staff Engineer', manager_id, manager_email, start_date, 'zoe.lindqvist']) {
      // A bare boolean names the value, never the line around it.
      expect(logged.includes(personal!.toLowerCase()), personal).toBe(false);
    }
  });
});

describe('X-Request-Id', () => {
  it('an id that is not a bounded token is replaced by a new one, as is a missing one', async () => {
    for (const given of ['has spaces in it', 'x'.repeat(129), undefined]) {
      const response = await fetch(`${stack.intakeUrl}/healthz`, { headers: given ? { 'x-request-id': given } : {} });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
    const kept = await fetch(`${stack.intakeUrl}/healthz`, { headers: { 'x-request-id': 'a'.repeat(128) } });
    expect(kept.headers.get('x-request-id')).toBe('a'.repeat(128));
  });
});

describe('TENURE_LOG_FORMAT', () => {
  it('is json for a worker or an intake process and text for the one-process sandbox, unless set; anything else is refused', () => {
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect([defaultLogFormat('worker'), defaultLogFormat('intake'), defaultLogFormat('all')]).toEqual(['json', 'json', 'text']);
    expect(loadConfig({ TENURE_LOG_FORMAT: 'TEXT' }).logFormat).toBe('text');
    expect(() => loadConfig({ TENURE_LOG_FORMAT: 'yaml' })).toThrow('TENURE_LOG_FORMAT must be json or text, got "yaml"');
  });
});
