import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { policyFixture } from '../helpers/policy-fixture.ts';
import { eventually, startTestStack, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';

/*
 * The identity workflow's own clock: steps held until an `effective` moment, and a date trigger.
 * The moments are a few seconds ahead of now; the test waits for the outcome and asserts no
 * duration.
 */
const policy = (firstDayAt: string) => `apiVersion: tenure/v1
kind: LifecyclePolicy
metadata: { name: staff }
source: hr
identity:
  key: id
  attributes: [id, first, last, state, leave_at, start_date, start_time, manager_email]
  inactive: state eq "gone"
workflows:
  - name: joiner
    on: joiner
    actions:
      - action: SYNC_IDENTITIES
        create: true
        attributes:
          login: '{first}.{last} | LOWER | APPEND,"@example.com"'
          email: '{first}.{last} | LOWER | APPEND,"@example.com"'
          first_name: '{first}'
          last_name: '{last}'
  - name: first-day
    on: { date: start_date, days: 0, at: '${firstDayAt}' }
    actions:
      - action: NOTIFY
        template: first-day
        to: '{manager_email}'
  - name: leaver
    on: leaver
    effective: '{leave_at}'
    actions:
      - action: DEPROVISION_IDENTITY
`;

let stack: TenureStack;
/** The moment of the date trigger: far enough ahead for the stack to start and the record to arrive. */
const firstDay = new Date(Date.now() + 15_000);

beforeAll(async () => {
  const dirs = await policyFixture({
    policies: { 'staff.yaml': policy(firstDay.toISOString().slice(11, 19)) },
    templates: { 'first-day.yaml': "subject: '<<first>> starts today'\ntext: 'Say hello to <<first>>.'\n" },
  });
  stack = await startTestStack({ policiesDir: dirs.policiesDir, templatesDir: dirs.templatesDir });
});

afterAll(async () => {
  await stack?.stop();
});

const status = (key: string) => stack.client.workflow.getHandle(`identity/hr/${key}`).query(statusQuery);
async function send(key: string, eventId: string, record: Record<string, string>): Promise<void> {
  const body = JSON.stringify({ eventId, record: { id: key, ...record } });
  const response = await fetch(`${stack.intakeUrl}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) },
    body,
  });
  expect(response.status).toBe(202);
}

describe('the identity workflow keeps time', () => {
  it('plans a date trigger when its moment comes, against the record current then', { timeout: 60_000 }, async () => {
    const person = { first: 'Kofi', last: 'Mensah', state: 'here', manager_email: 'lead@example.com', start_date: firstDay.toISOString().slice(0, 10) };
    await send('H2', 'e1', person);
    const scheduled = await eventually(async () => {
      const current = await status('H2');
      expect(current.applied).toBe(1);
      return current;
    });
    expect(scheduled.schedule).toEqual([{ id: 'staff/first-day', at: new Date(Math.floor(firstDay.getTime() / 1000) * 1000).toISOString() }]);
    // Changed before the moment: the notice must speak of the record current then.
    await send('H2', 'e2', { ...person, manager_email: 'new-lead@example.com' });
    await eventually(async () => {
      const mail = stack.mailCatcher!.messages().find((message) => message.subject === 'Kofi starts today');
      expect(mail?.to).toEqual(['new-lead@example.com']);
    });
    expect((await status('H2')).schedule).toEqual([]);
  });

  it('runs a leaver held by `effective` when its moment comes, not before', { timeout: 60_000 }, async () => {
    const person = { first: 'Ines', last: 'Moreau', state: 'here', start_date: '2020-01-01', manager_email: 'm@example.com' };
    await send('H1', 'e1', person);
    const joined = await eventually(async () => {
      const current = await status('H1');
      expect(current.applied).toBe(1);
      return current;
    });
    const leaveAt = new Date(Date.now() + 4_000).toISOString();
    await send('H1', 'e2', { ...person, state: 'gone', leave_at: leaveAt });
    const waiting = await eventually(async () => {
      const current = await status('H1');
      expect(current.applied).toBe(2);
      return current;
    });
    expect(waiting.deferred).toMatchObject([{ id: 'staff/leaver', at: leaveAt }]);
    await eventually(async () => {
      expect((await stack.okta!.userApi.getUser({ userId: joined.oktaUserId! })).status).toBe('DEPROVISIONED');
    });
    expect((await status('H1')).deferred).toEqual([]);
    const history = await stack.client.workflow.getHandle('identity/hr/H1').fetchHistory();
    expect(history.events!.some((event) => event.timerStartedEventAttributes)).toBe(true);
  });

});
