import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { createOktaUserStep, hrPolicy, policyFixture } from '../helpers/policy-fixture.ts';
import { eventually, startTestStack, postHr } from '../helpers/stack.ts';

/*
 * What an operator reads in the Temporal UI: workflow summaries that name the person, timers
 * labelled by what they wait for, and a default list the System Log polls do not crowd. The
 * moments waited for are decades ahead, so nothing here depends on the clock; the polls run
 * every second and are counted once they have polled, however long that took.
 */
const staff = hrPolicy({ name: 'staff', attributes: '[employee_id, first_name, last_name, status, start_date, termination_date, manager_email, purge]', workflows: `
  - name: joiner
    on: joiner
    actions:
${createOktaUserStep}  - name: first-day
    on: { date: start_date, days: 0, at: '09:00:00' }
    actions:
      - action: NOTIFY
        template: first-day
        to: '{manager_email}'
  - name: leaver
    on: leaver
    effective: '{termination_date}T17:00:00Z'
    actions:
      - action: DEPROVISION_IDENTITY
  - name: purge
    on: leaver
    when: purge eq "ask"
    actions:
      - action: DELETE_IDENTITY
        approval: { template: deletion-approval, to: it-security@example.com, timeout: 30d }
` });

const templates = {
  'first-day.yaml': "subject: '<<first_name>> starts today'\ntext: 'Say hello.'\n",
  'deletion-approval.yaml': "subject: 'Approve: delete <<employee_id>>'\ntext: 'Run npx tenure approve <<approval.workflowId>>.'\n",
};

const POLL_INTERVAL_MS = 1_000;
/** So long that no full pass runs on its own while the test runs. */
const LONG_INTERVAL_MS = 30 * 86_400_000;

let stack: TenureStack;

beforeAll(async () => {
  // Okta is a source too, so that the System Log is polled.
  const oktaPolicy = await readFile(path.join(projectRoot, 'policies/okta-deactivations.yaml'), 'utf8');
  const dirs = await policyFixture({ policies: { 'staff.yaml': staff, 'okta-deactivations.yaml': oktaPolicy }, templates });
  stack = await startTestStack({
    policiesDir: dirs.policiesDir,
    templatesDir: dirs.templatesDir,
    oktaLogPollIntervalMs: POLL_INTERVAL_MS,
    oktaReconcileIntervalMs: LONG_INTERVAL_MS,
  });
});

afterAll(async () => {
  await stack?.stop();
});

const handle = (key: string) => stack.client.workflow.getHandle(`identity/hr/${key}`);

async function send(eventId: string, record: Record<string, string>): Promise<void> {
  expect((await postHr(stack, JSON.stringify({ eventId, record }))).status).toBe(202);
}

/** Waits until the identity has handled the event, and answers its status. */
async function handled(key: string, eventId: string) {
  return eventually(async () => {
    const status = await handle(key).query(statusQuery);
    expect(status.lastEventId).toBe(eventId);
    expect(status.pending).toBe(0);
    expect(status.lastError).toBeUndefined();
    return status;
  });
}

const currentDetails = async (key: string) => (await handle(key).query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;

/** The summaries the Temporal UI shows for a history's timers. */
function timerLabels(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.filter((event) => event.timerStartedEventAttributes).map((event) => JSON.parse(Buffer.from(event.userMetadata?.summary?.data ?? []).toString() || 'null'));
}

const zoe = { employee_id: 'U1', first_name: 'Zoë', last_name: 'Lindqvist', status: 'active', start_date: '2099-03-01', manager_email: 'lead@example.com' };

describe('an identity workflow in the Temporal UI', { timeout: 60_000 }, () => {
  it('is summarised by the person and the key, and its details follow a change of name', async () => {
    await send('u1-join', zoe);
    await handled('U1', 'u1-join');
    expect(await (await handle('U1').describe()).staticSummary()).toBe('Zoë Lindqvist (hr U1)');
    expect(await currentDetails('U1')).toContain('**Zoë Lindqvist (hr U1)**: active');

    await send('u1-married', { ...zoe, last_name: 'Berg' });
    await handled('U1', 'u1-married');
    expect(await currentDetails('U1')).toContain('**Zoë Berg (hr U1)**: active');
  });

  it('labels its timers by the date trigger and the effective moment they wait for', async () => {
    expect(timerLabels((await handle('U1').fetchHistory()).events ?? [])).toContain('date trigger staff/first-day at 2099-03-01T09:00:00.000Z');

    await send('u1-leaves', { ...zoe, last_name: 'Berg', status: 'terminated', termination_date: '2098-12-31' });
    const status = await handled('U1', 'u1-leaves');
    expect(status.lifecycleState).toBe('leaving');
    expect(await currentDetails('U1')).toContain('**Zoë Berg (hr U1)**: leaving');
    await eventually(async () => expect(timerLabels((await handle('U1').fetchHistory()).events ?? [])).toContain('until effective 2098-12-31T17:00:00.000Z: staff/leaver'));
    await saveHistoryIfRecording(handle('U1'), 'labelled-timers');
  });

  it('labels the timer of an approval by its deadline', async () => {
    const kwame = { employee_id: 'U2', first_name: 'Kwame', last_name: 'Mensah', status: 'active', start_date: '2099-03-01', manager_email: 'lead@example.com' };
    await send('u2-join', kwame);
    await handled('U2', 'u2-join');
    await send('u2-leaves', { ...kwame, status: 'terminated', termination_date: '2000-01-31', purge: 'ask' });
    const status = await handled('U2', 'u2-leaves');
    expect(status.lifecycleState).toBe('awaiting-approval');
    const { deadline } = status.approvals[0]!;
    await eventually(async () => expect(timerLabels((await handle('U2').fetchHistory()).events ?? [])).toContain(`approval deadline DELETE_IDENTITY · staff/purge at ${deadline}`));
  });
});

describe('the System Log polls', { timeout: 120_000 }, () => {
  /** Every run the poll schedule has started, and how many polls they made together. */
  async function pollRuns() {
    const runs: Array<{ workflowId: string; runId: string; polls: number }> = [];
    for await (const run of stack.client.workflow.list({ query: 'WorkflowType = "oktaLogPoll"' })) {
      const events = (await stack.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
      runs.push({ workflowId: run.workflowId, runId: run.runId, polls: events.filter((event) => event.activityTaskCompletedEventAttributes).length });
    }
    return runs;
  }

  it('poll every interval from one run, not one run per poll, with the wait labelled', async () => {
    const runs = await eventually(
      async () => {
        const found = await pollRuns();
        expect(found.reduce((sum, run) => sum + run.polls, 0)).toBeGreaterThanOrEqual(5);
        return found;
      },
      { within: 100_000, every: 500 },
    );
    expect(runs.length).toBeLessThanOrEqual(2);
    const longest = runs.reduce((most, run) => (run.polls > most.polls ? run : most));
    const run = stack.client.workflow.getHandle(longest.workflowId, longest.runId);
    const labels = timerLabels((await run.fetchHistory()).events ?? []);
    expect(labels.length).toBeGreaterThanOrEqual(1);
    expect(labels.every((label) => /^next System Log poll at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(label))).toBe(true);
    // Each poll reads on from where the one before ended, so nothing published between them is missed.
    const windows = ((await run.fetchHistory()).events ?? []).flatMap((event) => {
      const input = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
      return input ? [JSON.parse(Buffer.from(input).toString()) as { since: string; until: string }] : [];
    });
    expect(windows.length).toBeGreaterThanOrEqual(2);
    for (const [index, window] of windows.entries()) {
      if (index === 0) continue;
      expect(Date.parse(window.since)).toBeLessThanOrEqual(Date.parse(windows[index - 1]!.until));
      expect(Date.parse(window.until)).toBeGreaterThan(Date.parse(windows[index - 1]!.until));
    }
    await saveHistoryIfRecording(run, 'log-poll-run');
  });

  it('are hidden from the list by the queries the README gives, which still show the people', async () => {
    await eventually(async () => expect((await pollRuns()).length).toBeGreaterThanOrEqual(1));
    for (const query of ['WorkflowType != "oktaLogPoll"', 'TemporalScheduledById IS NULL', 'WorkflowType = "identityWorkflow"']) {
      const types = new Set<string>();
      const ids = new Set<string>();
      for await (const run of stack.client.workflow.list({ query })) {
        types.add(run.type);
        ids.add(run.workflowId);
      }
      expect(types.has('oktaLogPoll'), query).toBe(false);
      expect(ids.has('identity/hr/U1'), query).toBe(true);
    }
  });
});
