import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { approve, reject } from '../../src/cli/commands/decide.ts';
import { heldBatchOf, holdBatch } from '../../src/guard/held-batch.ts';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import {
  clearanceRequestSignal,
  heldBatchWorkflowId,
  statusQuery,
  type heldBatch,
  type HeldBatchInput,
  type HeldBatchResult,
  type IdentityStatus,
} from '../../workflows/definitions.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';
import { signInOperator, type SignedInOperator } from '../helpers/operator.ts';
import { eventually, startTestStack, postHr } from '../helpers/stack.ts';

/*
 * The mass-change guard with the real dev server, worker, emulator and mail catcher: a burst of
 * HR leavers beyond the limits is held, the administrators hear of it, and `tenure approve` or
 * `tenure reject` decides; a held import is applied whole or not at all.
 */
const ADMINS = 'identity-admins@example.com';
/** The fixture policy creates accounts without activating them: a kept account stays PROVISIONED. */
const KEPT = 'PROVISIONED';
let stack: TenureStack;
let operator: SignedInOperator;

beforeAll(async () => {
  const dirs = await policyFixture({
    policies: { 'employees.yaml': validPolicy },
    templates: { 'welcome.yaml': welcomeTemplate, 'mass-change-held.yaml': await readFile(path.join(projectRoot, 'templates/mass-change-held.yaml'), 'utf8') },
  });
  // Two deprovisionings an hour, whatever the share: the third is a mass change.
  stack = await startTestStack({ ...dirs, adminEmail: ADMINS, guard: { maxCount: 2, maxShare: 1, windowMs: 3_600_000 } });
  operator = await signInOperator(stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const person = (id: string, status = 'active') => ({
  employee_id: id,
  first_name: 'Guard',
  last_name: id,
  department: 'Finance',
  manager_email: 'lead@example.com',
  status,
});

async function send(eventId: string, record: Record<string, string>): Promise<void> {
  expect((await postHr(stack, JSON.stringify({ eventId, record }))).status).toBe(202);
}

const statusOf = (key: string): Promise<IdentityStatus> => stack.client.workflow.getHandle(`identity/hr/${key}`).query(statusQuery);

async function oktaStatusOf(key: string): Promise<string> {
  const { oktaUserId } = await statusOf(key);
  return (await stack.okta!.userApi.getUser({ userId: oktaUserId! })).status as string;
}

async function joined(...keys: string[]): Promise<void> {
  for (const key of keys) await send(`join-${key}`, person(key));
  await eventually(async () => {
    for (const key of keys) expect((await statusOf(key)).lifecycleState).toBe('active');
  });
}

/** What the CLI prints for `tenure approve|reject <id>`, signed in, through this test's intake. */
async function decide(command: typeof approve, target: string): Promise<string> {
  const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await command(target, { intake: stack.intakeUrl, token: operator.token });
    return printed.mock.calls.map((call) => call.join(' ')).join('\n');
  } finally {
    printed.mockRestore();
  }
}

const heldMails = () => stack.mailCatcher!.messages().filter((mail) => mail.to.includes(ADMINS) && mail.subject.startsWith('HELD:'));

async function detailsOf(workflowId: string): Promise<string> {
  const { currentDetails } = await stack.client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return currentDetails ?? '';
}

async function activitiesRun(workflowId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event: temporal.api.history.v1.IHistoryEvent) =>
    event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType?.name ?? ''] : [],
  );
}

describe('a burst of leavers from a webhook', { timeout: 120_000 }, () => {
  it('is cleared within the limits, then held: nothing beyond the limit is deprovisioned and the administrators hear of it', async () => {
    await joined('G1', 'G2', 'G3', 'G4', 'G5');
    await send('leave-G1', person('G1', 'terminated'));
    await send('leave-G2', person('G2', 'terminated'));
    await eventually(async () => {
      expect(await oktaStatusOf('G1')).toBe('DEPROVISIONED');
      expect(await oktaStatusOf('G2')).toBe('DEPROVISIONED');
    });

    await send('leave-G3', person('G3', 'terminated'));
    await send('leave-G4', person('G4', 'terminated'));
    const held = await eventually(async () => {
      const [g3, g4] = [await statusOf('G3'), await statusOf('G4')];
      expect(g3.lifecycleState).toBe('held');
      expect(g4.lifecycleState).toBe('held');
      return g3;
    });
    expect(held.held?.guard).toBe('guard/hr');
    expect(await oktaStatusOf('G3')).toBe(KEPT);
    expect(await oktaStatusOf('G4')).toBe(KEPT);

    const mail = await eventually(() => {
      expect(heldMails()).toHaveLength(1);
      return heldMails()[0]!;
    });
    expect(mail.text).toContain('3 deprovisionings exceed the limit of 2');
    expect(mail.text).toContain('npx tenure approve guard/hr');
    expect(mail.text).toContain('npx tenure reject guard/hr');
    // What an operator sees on the guard's workflow in the Temporal UI.
    const details = await detailsOf('guard/hr');
    expect(details).toContain('HOLDING 2 deprovisionings');
    expect(details).toMatch(/Held: (G3, G4|G4, G3)  /);
  });

  it('`tenure reject guard/hr` drops the held deprovisionings; the people keep their access', async () => {
    expect(await decide(reject, 'guard/hr')).toBe('Dropped: 2 held deprovisionings (guard/hr). Nothing of it is applied.');
    for (const key of ['G3', 'G4']) {
      const status = await eventually(async () => {
        const current = await statusOf(key);
        expect(current.lifecycleState).toBe('active');
        return current;
      });
      expect(status.lastError).toContain('rejected');
      expect(status.lastError).toContain(operator.login);
      expect(await oktaStatusOf(key)).toBe(KEPT);
    }
    expect(await detailsOf('guard/hr')).toContain('open');
    await expect(decide(approve, 'guard/hr')).rejects.toThrow('guard/hr: nothing is held');
  });

  it('a rejection leaves the window as it was, so the next leaver is held again, and `tenure approve guard/hr` releases it', async () => {
    await send('leave-G5', person('G5', 'terminated'));
    await eventually(async () => expect((await statusOf('G5')).lifecycleState).toBe('held'));
    expect(await oktaStatusOf('G5')).toBe(KEPT);

    expect(await decide(approve, 'guard/hr')).toBe('Released: 1 held deprovisionings (guard/hr). Applying now.');
    await eventually(async () => expect(await oktaStatusOf('G5')).toBe('DEPROVISIONED'));
    const status = await statusOf('G5');
    expect(status.lifecycleState).toBe('inactive');
    expect(status.lastError).toBeUndefined();
  });

  it('counts a request the guard receives twice (its activity retried after the signal went through) once', async () => {
    const guard = stack.client.workflow.getHandle('guard/hr');
    const request = (eventId: string) => ({ workflowId: 'identity/hr/NOBODY', key: 'NOBODY', eventId, limits: { maxCount: 2, maxShare: 1, windowMs: 3_600_000 }, admins: ADMINS });
    await guard.signal(clearanceRequestSignal, request('retried'));
    await guard.signal(clearanceRequestSignal, request('retried'));
    await guard.signal(clearanceRequestSignal, request('next'));
    // Counted twice, the retried request would have held the third: the limit is two.
    await eventually(async () => expect(await detailsOf('guard/hr')).toContain('open  \n2 deprovisionings cleared in the current window'));
  });
});

describe('a held import', { timeout: 120_000 }, () => {
  /** An import's deprovisionings: people absent from the export, and the last one marked as terminated in it. */
  const leaversOf = (batch: string, keys: string[]): ChangeEvent[] =>
    keys.map((key, at) => ({ source: 'hr', key, eventId: `${batch}-${key}`, record: at === keys.length - 1 ? person(key, 'terminated') : null, receivedAt: new Date().toISOString() }));

  async function hold(batchId: string, keys: string[], chunkSize?: number): Promise<string> {
    return holdBatch(
      stack.client,
      stack.taskQueue,
      { source: 'hr', batchId, reason: `${keys.length} deprovisionings exceed the limit of 2`, summary: { leavers: keys.length, unchanged: 0 }, events: leaversOf(batchId, keys), deprovisioning: keys, admins: ADMINS },
      chunkSize,
    );
  }

  /** A held batch whose holder died after starting it: its first change came with the input, the others never did. */
  async function startedOnly(batchId: string, keys: string[]): Promise<string> {
    const workflowId = heldBatchWorkflowId('hr', batchId);
    const input: HeldBatchInput = {
      source: 'hr',
      batchId,
      reason: `${keys.length} deprovisionings exceed the limit of 2`,
      summary: { leavers: keys.length, unchanged: 0 },
      chunks: keys.length,
      events: leaversOf(batchId, keys).slice(0, 1),
      deprovisioningSample: keys,
      deprovisioningCount: keys.length,
      admins: ADMINS,
    };
    await stack.client.workflow.start<typeof heldBatch>('heldBatch', { workflowId, taskQueue: stack.taskQueue, args: [input] });
    return workflowId;
  }

  /** Waits until no held batch of hr runs, as the next test's holds see it. */
  const noneHeld = () => eventually(async () => expect(await heldBatchOf(stack.client, 'hr')).toBeUndefined());

  it('is applied not at all until approved, then whole, without asking the guard again', async () => {
    await joined('I1', 'I2', 'I3');
    const workflowId = await hold('export-1', ['I1', 'I2', 'I3']);
    expect(workflowId).toBe('held/hr/export-1');
    await eventually(async () => expect(await detailsOf(workflowId)).toContain('**Held hr import export-1**: held'));
    // I3 is terminated in the export rather than absent from it: a leaver all the same.
    expect(await detailsOf(workflowId)).toContain('Leavers: I1, I2, I3');
    const mail = await eventually(() => {
      const found = heldMails().find((message) => message.text.includes('an import from hr'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(mail.text).toContain('The first held: I1, I2, I3.');
    expect(mail.text).toContain(`npx tenure approve ${workflowId}`);
    for (const key of ['I1', 'I2', 'I3']) expect(await oktaStatusOf(key)).toBe(KEPT);
    // The next import of the source, while this one waits, is neither held beside it nor applied.
    await eventually(async () => expect(await hold('export-1-next', ['I1', 'I2'])).toBe(workflowId));

    expect(await decide(approve, workflowId)).toBe(`Released: the held hr import export-1 (${workflowId}). Applying now.`);
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult;
    expect(result).toEqual({ decision: 'approved', by: operator.login, delivered: 3 });
    // Three deprovisionings beyond a limit of two: they pass because an administrator released them.
    await eventually(async () => {
      for (const key of ['I1', 'I2', 'I3']) expect(await oktaStatusOf(key)).toBe('DEPROVISIONED');
    });
    expect(await activitiesRun('identity/hr/I1')).not.toContain('requestClearance');
  });

  it('rejected, applies nothing', async () => {
    await joined('R1', 'R2', 'R3');
    await noneHeld();
    const workflowId = await hold('export-2', ['R1', 'R2', 'R3']);
    await eventually(async () => expect(await detailsOf(workflowId)).toContain('held'));
    expect(await decide(reject, workflowId)).toBe(`Dropped: the held hr import export-2 (${workflowId}). Nothing of it is applied.`);
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult;
    expect(result).toEqual({ decision: 'rejected', by: operator.login, delivered: 0 });
    for (const key of ['R1', 'R2', 'R3']) {
      const status = await statusOf(key);
      expect(status.applied).toBe(1);
      expect(await oktaStatusOf(key)).toBe(KEPT);
    }
  });

  it('whose holder died before sending all its changes cannot be approved, but can be rejected', async () => {
    const workflowId = await startedOnly('export-3', ['S1', 'S2', 'S3']);
    await expect(decide(approve, workflowId)).rejects.toThrow('is still receiving its changes (1 of 3 parts)');
    expect(await decide(reject, workflowId)).toBe(`Dropped: the held hr import export-3 (${workflowId}). Nothing of it is applied.`);
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult;
    expect(result).toEqual({ decision: 'rejected', by: operator.login, delivered: 0 });
  });

  it('whose holder died before sending all its changes is completed by holding it again, each change once', async () => {
    await joined('T1', 'T2', 'T3');
    await noneHeld();
    const workflowId = await startedOnly('export-4', ['T1', 'T2', 'T3']);
    expect(await hold('export-4', ['T1', 'T2', 'T3'], 1)).toBe(workflowId);
    await eventually(async () => expect(await detailsOf(workflowId)).toContain('**Held hr import export-4**: held'));
    expect(await decide(approve, workflowId)).toBe(`Released: the held hr import export-4 (${workflowId}). Applying now.`);
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult;
    expect(result).toEqual({ decision: 'approved', by: operator.login, delivered: 3 });
    await eventually(async () => {
      for (const key of ['T1', 'T2', 'T3']) expect(await oktaStatusOf(key)).toBe('DEPROVISIONED');
    });
  });
});
