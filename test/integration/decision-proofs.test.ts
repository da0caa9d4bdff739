import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as tenureStatus } from '../../src/cli/commands/status.ts';
import { decisionKeysFrom } from '../../src/decisions/keys.ts';
import { signDecision, type DecisionAnswer } from '../../src/decisions/proof.ts';
import { GroupDirectory } from '../../src/okta/groups.ts';
import type { OktaClient } from '../../src/okta/client.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { approveUpdate, rejectUpdate, statusQuery, type ApprovalAnswer, type ApprovalRequest, type IdentityStatus } from '../../workflows/definitions.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { createOktaUserStep, hrPolicy, policyFixture } from '../helpers/policy-fixture.ts';
import { eventually, handledEvent, postHr, startTestStack } from '../helpers/stack.ts';

/*
 * Decisions sent straight to Temporal, as anyone who can reach its frontend could send them, with
 * the real dev server, worker and Okta emulator: only a proof signed with this Tenure's decision
 * key, current, made for this very workflow, approval and answer, and naming a person the policy
 * (or the guard's configuration) allows, decides anything. Every refusal is recorded.
 */
const policy = hrPolicy({ name: 'people', attributes: '[employee_id, first_name, last_name, status, purge]', workflows: `
  - name: joiner
    on: joiner
    actions:
${createOktaUserStep}  - name: leaver
    on: leaver
    actions:
      - action: DEPROVISION_IDENTITY
  - name: purge
    on: leaver
    when: purge eq "yes"
    actions:
      - action: DELETE_IDENTITY
        approval:
          template: deletion-approval
          to: it-security@example.com
          timeout: 1h
          approvers: { people: [ida.approver@example.com], groups: [purge-approvers] }
` });

const templates = {
  'deletion-approval.yaml': `subject: 'Approve: delete <<employee_id>>'\ntext: 'tenure approve <<approval.workflowId>>'\n`,
};

/** Listed by name in the policy's approvers. */
const LISTED = 'ida.approver@example.com';
/** In Okta, a member of the policy's approver group `purge-approvers` and of the guard's `guard-approvers`. */
const GROUPED = 'gus.grouped@example.com';
/** In Okta, in neither group, and listed nowhere. */
const OUTSIDER = 'oli.outsider@example.com';
/** TENURE_GUARD_APPROVERS. */
const GUARD_ADMIN = 'ops.lead@example.com';

let stack: TenureStack;
let okta: OktaClient;
let signing: KeyObject;

beforeAll(async () => {
  const dirs = await policyFixture({
    policies: { 'people.yaml': policy },
    templates: { ...templates, 'mass-change-held.yaml': await readFile(path.join(projectRoot, 'templates/mass-change-held.yaml'), 'utf8') },
  });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tenure-decisions-'));
  stack = await startTestStack({
    ...dirs,
    dataDir,
    // Two deprovisionings an hour: the deletions' leavers pass, the guard's bursts are held.
    guard: { maxCount: 2, maxShare: 1, windowMs: 3_600_000 },
    guardApprovers: { people: [GUARD_ADMIN], groups: ['guard-approvers'] },
  });
  okta = stack.okta!;
  // The key the stack's worker verifies with, read as the stack read it: the sandbox's own pair.
  signing = decisionKeysFrom(process.env, dataDir, true).signing!;
  const groups = new GroupDirectory(okta);
  const [purgers, guards] = [await groups.ensure('purge-approvers', undefined), await groups.ensure('guard-approvers', undefined)];
  for (const [login, memberOf] of [
    [GROUPED, [purgers, guards]],
    [OUTSIDER, []],
  ] as const) {
    const user = await okta.userApi.createUser({ activate: true, body: { profile: { login, email: login, firstName: login.split('.')[0]!, lastName: 'Approver' } } });
    for (const group of memberOf) await okta.groupApi.assignUserToGroup({ groupId: group.id, userId: user.id! });
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const person = (key: string, first: string, extra: Record<string, string> = {}) => ({ employee_id: key, first_name: first, last_name: 'Decided', status: 'active', ...extra });

async function send(eventId: string, record: Record<string, string>): Promise<void> {
  expect((await postHr(stack, JSON.stringify({ eventId, record }))).status).toBe(202);
}

const statusOf = (key: string): Promise<IdentityStatus> => stack.client.workflow.getHandle(`identity/hr/${key}`).query(statusQuery);
const oktaUser = (login: string) => okta.userApi.getUser({ userId: login });

/** A decision as a raw Temporal update: what anyone who can reach the frontend can send. */
function decide(workflowId: string, decision: DecisionAnswer, request: ApprovalRequest): Promise<ApprovalAnswer> {
  return stack.client.workflow.getHandle(workflowId).executeUpdate(decision === 'approved' ? approveUpdate : rejectUpdate, { args: [request] });
}

/** A proof as the intake makes it; each part can be made wrong. */
function proof(claims: { workflowId: string; approval: string; decision?: DecisionAnswer; by: string }, options: { key?: KeyObject; ttlSeconds?: number } = {}): Promise<string> {
  return signDecision(options.key ?? signing, { decision: 'approved', ...claims }, options.ttlSeconds);
}

/** What the update failed with: the workflow's refusal, as the caller sees it. */
async function refusal(update: Promise<unknown>): Promise<string> {
  const error = await update.then(
    () => {
      throw new Error('the decision was taken');
    },
    (failed: Error & { cause?: Error & { type?: string } }) => failed,
  );
  expect(error.cause?.type).toBe('DecisionRefused');
  return error.cause!.message;
}

/** Every decision refusal in the workflow's history: the update's completion carries its failure. */
async function refusalsInHistory(workflowId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event: temporal.api.history.v1.IHistoryEvent) => {
    const failure = event.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure;
    return failure?.applicationFailureInfo?.type === 'DecisionRefused' ? [failure.message ?? ''] : [];
  });
}

/** What `tenure status` prints for the identity, against this test's Temporal. */
async function statusPrinted(target: string): Promise<string> {
  const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await tenureStatus(target, { address: stack.temporalAddress });
    return printed.mock.calls.map((call) => call.join(' ')).join('\n');
  } finally {
    printed.mockRestore();
  }
}

async function detailsOf(workflowId: string): Promise<string> {
  const { currentDetails } = await stack.client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return currentDetails ?? '';
}

/**
 * The proofs that must not decide `approval` in `workflowId`, each with the reason the caller is
 * given: none, another key's, another workflow's, another approval's, another answer's, an
 * expired one, and one by a person not allowed.
 */
async function badProofs(workflowId: string, approval: string): Promise<Array<[ApprovalRequest, RegExp]>> {
  const forger = generateKeyPairSync('ed25519').privateKey;
  return [
    [{ by: LISTED }, /^Decision refused: the decision carries no proof/],
    [{ by: LISTED, proof: await proof({ workflowId, approval, by: LISTED }, { key: forger }) }, /^Decision refused: the decision's proof is not signed by this Tenure's decision key$/],
    [{ by: LISTED, proof: await proof({ workflowId: 'identity/hr/SOMEONE-ELSE', approval, by: LISTED }) }, /^Decision refused: the decision's proof was made for another workflow$/],
    [{ by: LISTED, proof: await proof({ workflowId, approval: 'people/another', by: LISTED }) }, /^Decision refused: the decision's proof was made for another approval$/],
    [{ by: LISTED, proof: await proof({ workflowId, approval, decision: 'rejected', by: LISTED }) }, /^Decision refused: the decision's proof was made for another decision$/],
    [{ by: LISTED, proof: await proof({ workflowId, approval, by: LISTED }, { ttlSeconds: -60 }) }, /^Decision refused: the decision's proof has expired/],
    // Signed, current and for this approval, but the person may not decide it; the caller's `by` changes nothing.
    [{ by: GUARD_ADMIN, proof: await proof({ workflowId, approval, by: OUTSIDER }) }, /^Decision refused: the person deciding is neither listed /],
  ];
}

describe('a deletion waiting for approval', { timeout: 120_000 }, () => {
  async function awaitingDeletion(key: string, first: string): Promise<void> {
    await send(`${key}-join`, person(key, first, { purge: 'yes' }));
    await handledEvent(stack, `identity/hr/${key}`, `${key}-join`);
    await send(`${key}-leave`, person(key, first, { purge: 'yes', status: 'terminated' }));
    await handledEvent(stack, `identity/hr/${key}`, `${key}-leave`, (status) => expect(status.lifecycleState).toBe('awaiting-approval'));
  }

  it('refuses a raw update that is unsigned, forged, for something else, expired or by someone not allowed, records each, and deletes nothing', async () => {
    await awaitingDeletion('D1', 'Dana');
    const workflowId = 'identity/hr/D1';
    const cases = await badProofs(workflowId, 'people/purge');
    for (const [request, reason] of cases) expect(await refusal(decide(workflowId, 'approved', request))).toMatch(reason);

    expect((await oktaUser('dana.decided@example.com')).status).toBe('DEPROVISIONED');
    const status = await statusOf('D1');
    expect(status.lifecycleState).toBe('awaiting-approval');
    expect(status.approvals).toEqual([expect.objectContaining({ id: 'people/purge', approvers: { people: [LISTED], groups: ['purge-approvers'] } })]);
    expect(status.refusedDecisions?.map(({ reason }) => `Decision refused: ${reason}`)).toEqual(cases.map(([, reason]) => expect.stringMatching(reason)));
    // The person a verified proof named is recorded; without one, who the caller said.
    expect(status.refusedDecisions?.at(-1)).toMatchObject({ decision: 'approved', approval: 'people/purge', claimedBy: OUTSIDER });
    expect(status.refusedDecisions?.[0]).toMatchObject({ claimedBy: LISTED });
    expect(await refusalsInHistory(workflowId)).toEqual(cases.map(([, reason]) => expect.stringMatching(reason)));
    await eventually(async () => expect(await detailsOf(workflowId)).toContain(`Refused: `));
    expect(await statusPrinted('hr/D1')).toContain(`Refused decisions:\n`);
    expect(await statusPrinted('hr/D1')).toMatch(new RegExp(`approval of people/purge claimed by ${OUTSIDER}: the person deciding is neither listed`));
  });

  it('deletes once a listed approver decides with a valid proof; the verified person is recorded, not the caller’s word', async () => {
    const workflowId = 'identity/hr/D1';
    const answer = await decide(workflowId, 'approved', { by: 'someone.else@example.com', proof: await proof({ workflowId, approval: 'people/purge', by: LISTED }) });
    expect(answer).toEqual({ id: 'people/purge', action: 'DELETE_IDENTITY', decision: 'approved', by: LISTED });
    await eventually(async () => expect((await statusOf('D1')).lifecycleState).toBe('deleted'));
    await expect(oktaUser('dana.decided@example.com')).rejects.toMatchObject({ status: 404 });
    await saveHistoryIfRecording(stack.client.workflow.getHandle(workflowId), 'deletion-signed-decisions');
  });

  it('takes a rejection from a member of an approver group in Okta', async () => {
    await awaitingDeletion('D2', 'Gerd');
    const workflowId = 'identity/hr/D2';
    const answer = await decide(workflowId, 'rejected', { proof: await proof({ workflowId, approval: 'people/purge', decision: 'rejected', by: GROUPED }) });
    expect(answer).toMatchObject({ decision: 'rejected', by: GROUPED });
    const status = await eventually(async () => {
      const current = await statusOf('D2');
      expect(current.lastError).toBe(`DELETE_IDENTITY of people/purge was rejected by ${GROUPED}`);
      return current;
    });
    expect(status.approvals).toEqual([]);
    expect((await oktaUser('gerd.decided@example.com')).status).toBe('DEPROVISIONED');
  });
});

describe('the mass-change guard guard/hr', { timeout: 180_000 }, () => {
  const GUARD = 'guard/hr';

  /** Joins the people, then lets them leave one by one until the guard holds one; returns who is held. */
  async function burstUntilHeld(keys: string[]): Promise<string> {
    for (const key of keys) await send(`${key}-join`, person(key, key));
    for (const key of keys) await handledEvent(stack, `identity/hr/${key}`, `${key}-join`);
    for (const key of keys) {
      await send(`${key}-leave`, person(key, key, { status: 'terminated' }));
      const state = await eventually(async () => {
        const { lifecycleState } = await statusOf(key);
        expect(['held', 'inactive']).toContain(lifecycleState);
        return lifecycleState;
      });
      if (state === 'held') return key;
    }
    throw new Error(`none of ${keys.join(', ')} was held`);
  }

  let used: string;

  it('refuses raw updates without a valid proof, keeps the burst held, and releases it for a configured approver', async () => {
    const held = await burstUntilHeld(['G1', 'G2', 'G3', 'G4']);
    const cases = await badProofs(GUARD, GUARD);
    for (const [request, reason] of cases) expect(await refusal(decide(GUARD, 'approved', request))).toMatch(reason.source.includes('neither listed') ? /^Decision refused: the person deciding is neither listed in TENURE_GUARD_APPROVERS nor a member in Okta of a group in TENURE_GUARD_APPROVER_GROUPS$/ : reason);

    expect((await statusOf(held)).lifecycleState).toBe('held');
    expect((await oktaUser(`${held.toLowerCase()}.decided@example.com`)).status).not.toBe('DEPROVISIONED');
    expect(await refusalsInHistory(GUARD)).toHaveLength(cases.length);
    const details = await detailsOf(GUARD);
    expect(details).toContain('HOLDING');
    expect(details).toContain(`approval of guard/hr claimed by ${OUTSIDER}: the person deciding is neither listed`);

    used = await proof({ workflowId: GUARD, approval: GUARD, by: GUARD_ADMIN });
    expect(await decide(GUARD, 'approved', { proof: used })).toMatchObject({ id: GUARD, decision: 'approved', by: GUARD_ADMIN });
    await eventually(async () => expect((await oktaUser(`${held.toLowerCase()}.decided@example.com`)).status).toBe('DEPROVISIONED'));
  });

  it('refuses a proof used before, and takes a fresh one from a member of TENURE_GUARD_APPROVER_GROUPS', async () => {
    const held = await burstUntilHeld(['H1', 'H2', 'H3', 'H4']);
    expect(await refusal(decide(GUARD, 'approved', { proof: used }))).toBe("Decision refused: the decision's proof was used already: decide again");
    expect((await statusOf(held)).lifecycleState).toBe('held');

    const answer = await decide(GUARD, 'rejected', { proof: await proof({ workflowId: GUARD, approval: GUARD, decision: 'rejected', by: GROUPED }) });
    expect(answer).toMatchObject({ decision: 'rejected', by: GROUPED });
    await eventually(async () => expect((await statusOf(held)).lastError).toContain(`${GROUPED} rejected it`));
    expect((await oktaUser(`${held.toLowerCase()}.decided@example.com`)).status).not.toBe('DEPROVISIONED');
    await saveHistoryIfRecording(stack.client.workflow.getHandle(GUARD), 'guard-signed-decisions');
  });
});
