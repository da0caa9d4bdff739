import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';
import { changeSignal, statusQuery } from '../../workflows/definitions.ts';
import { eventually, startTestStack, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';

/*
 * POST /hooks/hr as an HR system meets it: every way a request is refused, with nothing started
 * for any of them, and a batch accepted whole with a repeated event applied once.
 */
let stack: TenureStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function joiner(eventId: string, key: string, firstName: string) {
  return { eventId, record: { employee_id: key, first_name: firstName, last_name: 'Webhook', department: 'Sales', title: 'Account Executive', manager_email: 'grace.hopper@example.com', status: 'active' } };
}

/** Posts as an HR system would: JSON, signed now with the shared secret, unless other headers are given. */
async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) }) {
  const response = await fetch(`${stack.intakeUrl}/hooks/hr`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function expectNothingStarted(...keys: string[]) {
  for (const key of keys) {
    await expect(stack.client.workflow.getHandle(identityWorkflowId('hr', key)).describe(), key).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }
}

describe('the HR webhook refuses a request whole, and starts nothing for it', () => {
  it('answers 401 to a signature made more than 5 minutes ago, or more than 5 minutes ahead, saying how far', async () => {
    const body = JSON.stringify(joiner('stale-1', 'R101', 'Stale'));
    const signed = (timestamp: number) => ({ 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET, timestamp) });
    expect(await post(body, signed(nowSeconds() - 3600))).toEqual({
      status: 401,
      body: { error: expect.stringMatching(/^the signature was made \d+ s ago, outside the 5 minutes \(300 s\) window Tenure accepts/) },
    });
    expect(await post(body, signed(nowSeconds() + 3600))).toEqual({
      status: 401,
      body: { error: expect.stringMatching(/^the signature's timestamp is \d+ s in the future, outside the 5 minutes \(300 s\) window/) },
    });
    await expectNothingStarted('R101');
  });

  it('answers 401 to a wrong, missing or garbled signature, naming the expected format', async () => {
    const body = JSON.stringify(joiner('unsigned-1', 'R102', 'Unsigned'));
    const json = { 'content-type': 'application/json' };
    expect(await post(body, { ...json, [HR_SIGNATURE_HEADER]: signHrBody(body, 'not-the-secret') })).toEqual({
      status: 401,
      body: { error: `wrong ${HR_SIGNATURE_HEADER}: no v1 value is the HMAC-SHA256 of "<t>.<raw body>" with the shared secret` },
    });
    // A signature of another body: the one a sender made before changing it.
    expect((await post(body, { ...json, [HR_SIGNATURE_HEADER]: signHrBody(`${body} `, TEST_WEBHOOK_SECRET) })).status).toBe(401);
    const format = 'expected t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">';
    expect(await post(body, json)).toEqual({ status: 401, body: { error: `missing ${HR_SIGNATURE_HEADER} header: ${format}` } });
    expect(await post(body, { ...json, [HR_SIGNATURE_HEADER]: `sha256=${'0'.repeat(64)}` })).toEqual({
      status: 401,
      body: { error: `garbled ${HR_SIGNATURE_HEADER} header: ${format}` },
    });
    await expectNothingStarted('R102');
  });

  it('answers 400 listing every problem of an invalid batch, and starts none of its valid events', async () => {
    const batch = JSON.stringify([joiner('invalid-1', 'R103', 'Valid'), { eventId: 'invalid-2', record: { first_name: 'No key' } }, { record: { employee_id: 'R104' } }]);
    expect(await post(batch)).toEqual({
      status: 400,
      body: {
        error: 'the body is not a valid HR event or batch',
        problems: ['[1].record.employee_id: required, it is the identity key of source "hr"', '[2].eventId: Invalid input: expected string, received undefined'],
      },
    });
    await expectNothingStarted('R103', 'R104');
  });

  it('answers 400 naming both entries when one event id carries two different changes', async () => {
    const batch = JSON.stringify([joiner('conflict-1', 'R105', 'First'), joiner('conflict-2', 'R106', 'Other'), joiner('conflict-1', 'R105', 'Second')]);
    expect(await post(batch)).toEqual({
      status: 400,
      body: {
        error: 'the body is not a valid HR event or batch',
        problems: ['[2].eventId: "conflict-1" is also the id of [0], whose content differs; one event id must name one change'],
      },
    });
    await expectNothingStarted('R105', 'R106');
  });

  it('answers 413 to a body over 1 MiB, stating the limit', async () => {
    // Valid events, fewer than the 1,000 a batch may hold, each carrying a long note.
    const note = 'x'.repeat(2_000);
    const batch = JSON.stringify(Array.from({ length: 600 }, (_, index) => ({ ...joiner(`large-${index}`, `R2${index}`, 'Large'), note })));
    expect(Buffer.byteLength(batch)).toBeGreaterThan(1024 * 1024);
    expect(await post(batch)).toEqual({
      status: 413,
      body: { error: "the body is larger than the intake's limit of 1 MiB (1048576 bytes): send fewer events per request" },
    });
    await expectNothingStarted('R20', 'R2599');
  });

  it('answers 415 to a body that is not sent as JSON', async () => {
    const body = JSON.stringify(joiner('text-1', 'R107', 'Text'));
    const signature = { [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) };
    expect(await post(body, { ...signature, 'content-type': 'text/plain' })).toEqual({
      status: 415,
      body: { error: 'the body must be JSON, sent with content-type: application/json (this request has content-type: text/plain)' },
    });
    expect(await post(body, { ...signature, 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415 });
    await expectNothingStarted('R107');
  });
});

describe('an accepted HR batch', () => {
  const first = joiner('batch-1', 'R301', 'Mira');
  const second = joiner('batch-2', 'R302', 'Omar');
  // The same event, retried by the sender inside the batch: its attributes in another order.
  const retried = { record: { ...first.record }, eventId: first.eventId };

  async function changeSignals(key: string) {
    const history = await stack.client.workflow.getHandle(identityWorkflowId('hr', key)).fetchHistory();
    return history.events!.flatMap((event) => {
      const signaled = event.workflowExecutionSignaledEventAttributes;
      return signaled?.signalName === changeSignal.name ? [JSON.parse(Buffer.from(signaled.input!.payloads![0]!.data!).toString('utf8')).eventId as string] : [];
    });
  }

  async function handled(key: string, eventId: string) {
    return eventually(async () => {
      const status = await stack.client.workflow.getHandle(identityWorkflowId('hr', key)).query(statusQuery);
      expect(status.lastEventId).toBe(eventId);
      return status;
    });
  }

  it('delivers a repeated event once, and says which entries were duplicates', async () => {
    const batch = JSON.stringify([first, second, retried]);
    expect(await post(batch)).toEqual({
      status: 202,
      body: {
        accepted: [
          { eventId: 'batch-1', workflowId: 'identity/hr/R301' },
          { eventId: 'batch-2', workflowId: 'identity/hr/R302' },
        ],
        duplicates: [{ index: 2, eventId: 'batch-1', duplicateOf: 0 }],
      },
    });
    expect(await changeSignals('R301')).toEqual(['batch-1']);
    const status = await handled('R301', 'batch-1');
    expect(status.lastError).toBeUndefined();
    expect(status.applied).toBe(1);
    expect((await handled('R302', 'batch-2')).applied).toBe(1);
  });

  it('applies an event sent again in a later request once: the identity workflow drops an event id it has applied', async () => {
    expect((await post(JSON.stringify(first))).status).toBe(202);
    // Events apply in arrival order, so once the next event is handled the resent one has been too.
    expect((await post(JSON.stringify({ ...first, eventId: 'batch-3' }))).status).toBe(202);
    const status = await handled('R301', 'batch-3');
    expect(status.applied).toBe(2);
    expect(await changeSignals('R301')).toEqual(['batch-1', 'batch-1', 'batch-3']);
  });
});
