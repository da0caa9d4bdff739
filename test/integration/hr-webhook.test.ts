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
async function post(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) }) {
  const response = await fetch(`${stack.intakeUrl}/hooks/hr`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
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

describe('the HR webhook refuses bad identity keys and encodings, as imports do, and starts nothing for them', () => {
  const invalid = (problem: string) => ({ status: 400, body: { error: 'the body is not a valid HR event or batch', problems: [problem] } });

  it('answers 400 to a key with spaces around it, rather than trimming it into a workflow', async () => {
    expect(await post(JSON.stringify(joiner('key-1', ' R121 ', 'Spaced')))).toEqual(invalid('record.employee_id: employee_id " R121 " has spaces around it'));
    expect(await post(JSON.stringify({ eventId: 'key-2', removedKey: 'R121\t' }))).toEqual(invalid('removedKey: employee_id "R121\\t" holds a control character'));
    await expectNothingStarted('R121', ' R121 ');
  });

  it('answers 400 to a key with a control character', async () => {
    expect(await post(JSON.stringify(joiner('key-3', 'R122\u0007', 'Bell')))).toEqual(invalid('record.employee_id: employee_id "R122\\u0007" holds a control character'));
    await expectNothingStarted('R122', 'R122\u0007');
  });

  it('answers 400 to a key that is the name of a JavaScript object property', async () => {
    for (const key of ['__proto__', 'constructor', 'hasOwnProperty']) {
      expect(await post(JSON.stringify(joiner(`key-${key}`, key, 'Proto')))).toEqual(
        invalid(`record.employee_id: employee_id "${key}" is the name of a JavaScript object property, which cannot identify anyone`),
      );
    }
    await expectNothingStarted('__proto__', 'constructor', 'hasOwnProperty');
  });

  it('answers 400 to a body that is not valid UTF-8, rather than replacing the bytes it cannot read', async () => {
    // "R123" and then 0xff, which no UTF-8 text holds; a lenient decoder makes it R123\ufffd.
    const json = Buffer.from(JSON.stringify(joiner('utf8-1', 'R123#', 'Bytes')));
    const body = Buffer.concat([json.subarray(0, json.indexOf('#')), Buffer.from([0xff]), json.subarray(json.indexOf('#') + 1)]);
    expect(await post(body)).toEqual({ status: 400, body: { error: 'the body is not valid UTF-8: send JSON encoded as UTF-8' } });
    await expectNothingStarted('R123', 'R123\ufffd');
  });

  it('answers 415 to a declared charset other than UTF-8, naming it, and takes charset=utf-8 in any case', async () => {
    const latin1 = Buffer.from(JSON.stringify(joiner('latin1-1', 'R124', 'Zoë')), 'latin1');
    const signed = (body: Buffer | string, contentType: string) => ({ 'content-type': contentType, [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) });
    expect(await post(latin1, signed(latin1, 'application/json; charset=latin1'))).toEqual({
      status: 415,
      body: { error: 'the body must be UTF-8 JSON; this request declares charset=latin1: send it as UTF-8, with charset=utf-8 or no charset' },
    });
    expect((await post(latin1, signed(latin1, 'application/json; charset=ISO-8859-1'))).status).toBe(415);
    await expectNothingStarted('R124');
    const utf8 = JSON.stringify(joiner('utf8-2', 'R125', 'Zoë'));
    expect((await post(utf8, signed(utf8, 'application/json; charset=UTF-8'))).status).toBe(202);
    expect((await post(utf8, signed(utf8, 'application/json;charset="utf-8"'))).status).toBe(202);
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

describe('what an HR event brings into Temporal', () => {
  /** Every payload of the identity's workflow history, as text: what anyone with Temporal access can read. */
  async function historyText(key: string): Promise<string> {
    const history = await stack.client.workflow.getHandle(identityWorkflowId('hr', key)).fetchHistory();
    const texts: string[] = [];
    const walk = (value: unknown): void => {
      if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(history.events);
    return texts.join('\n');
  }

  it('keeps the attributes the policies read, a date trigger and a template among them, and drops the rest before the history', async () => {
    const record = { ...joiner('attrs-1', 'R401', 'Ines').record, start_date: '2026-12-14', salary: 98_000, home_address: '12 Rue des Lilas' };
    expect((await post(JSON.stringify({ eventId: 'attrs-1', record }))).status).toBe(202);
    const status = await eventually(async () => {
      const current = await stack.client.workflow.getHandle(identityWorkflowId('hr', 'R401')).query(statusQuery);
      expect(current.lastEventId).toBe('attrs-1');
      return current;
    });
    const { salary: _salary, home_address: _address, ...used } = record;
    expect(status.record).toEqual(used);
    const history = await historyText('R401');
    // start_date: the pre-hire date trigger and the joiner-failed template read it; title: the welcome mail.
    expect(history).toContain('"start_date":"2026-12-14"');
    expect(history).toContain('"title":"Account Executive"');
    expect(history).not.toContain('salary');
    expect(history).not.toContain('98000');
    expect(history).not.toContain('Rue des Lilas');
  });

  it('gives joiners whose names hold spaces, apostrophes and hyphens an Okta account with a readable login', async () => {
    const person = (eventId: string, key: string, first_name: string, last_name: string) => ({ eventId, record: { ...joiner(eventId, key, first_name).record, last_name } });
    const batch = [
      person('names-1', 'R501', 'Pieter', 'van der Berg'),
      person('names-2', 'R502', 'Siobhán', "O'Brien"),
      person('names-3', 'R503', 'Anne-Marie', 'Dupont'),
    ];
    expect((await post(JSON.stringify(batch))).status).toBe(202);
    const okta = stack.okta!;
    for (const [login, lastName] of [['pieter.vanderberg@example.com', 'van der Berg'], ['siobhan.obrien@example.com', "O'Brien"], ['anne-marie.dupont@example.com', 'Dupont']]) {
      const user = await eventually(() => okta.userApi.getUser({ userId: login! }));
      expect(user.profile).toMatchObject({ login, email: login, lastName });
    }
  });
});
