import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDecisionActivities, type GroupsReader } from '../../activities/decisions.ts';
import { signDecision } from '../../src/decisions/proof.ts';
import { loadConfig } from '../../src/runtime/config.ts';

/*
 * The worker's check of a decision, on its own: who may decide, given the approvers a policy or
 * the guard's configuration names, and the groups Okta reports (a table here; the integration
 * test reads them from the emulator). Refusals are answers, never errors, and never quote the proof.
 */
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const claims = { workflowId: 'identity/hr/E1', approval: 'people/purge', decision: 'approved' as const };

function activities(groups: Record<string, string[]> = {}, guardApprovers = {}) {
  const asked: string[] = [];
  const groupsOf: GroupsReader = async (login) => {
    asked.push(login);
    return groups[login];
  };
  return { asked, ...createDecisionActivities({ verifying: publicKey, groupsOf, guardApprovers }) };
}

const proofBy = (by: string) => signDecision(privateKey, { ...claims, by });

describe('verifyDecision', () => {
  it('lets anyone Tenure authenticated decide when no approvers are named, without asking Okta', async () => {
    const { verifyDecision, asked } = activities();
    const verdict = await verifyDecision({ ...claims, proof: await proofBy('ana@example.com'), approvers: {} });
    expect(verdict).toEqual({ allowed: true, by: 'ana@example.com', proofId: expect.any(String) });
    expect(asked).toEqual([]);
  });

  it('takes a listed login whatever its case, and a member of a listed group whatever the group name’s case', async () => {
    const { verifyDecision } = activities({ 'bo@example.com': ['Everyone', 'identity-admins'] });
    // Okta's logins are case-insensitive: the policy and the identity provider may spell one differently.
    const approvers = { people: ['ana@example.com'], groups: ['Identity-Admins'] };
    expect(await verifyDecision({ ...claims, proof: await proofBy('Ana@Example.com'), approvers })).toMatchObject({ allowed: true, by: 'Ana@Example.com' });
    expect(await verifyDecision({ ...claims, proof: await proofBy('bo@example.com'), approvers })).toMatchObject({ allowed: true, by: 'bo@example.com' });
  });

  it('refuses someone neither listed nor in a listed group, or unknown to Okta, naming who the proof said in claimedBy only', async () => {
    const { verifyDecision } = activities({ 'cy@example.com': ['Everyone'] });
    const approvers = { people: ['ana@example.com'], groups: ['identity-admins'] };
    for (const by of ['cy@example.com', 'nobody@example.com']) {
      const verdict = await verifyDecision({ ...claims, proof: await proofBy(by), approvers });
      expect(verdict).toEqual({
        allowed: false,
        claimedBy: by,
        reason: "the person deciding is neither listed in the policy's approval.approvers.people nor a member in Okta of a group in approval.approvers.groups",
      });
    }
  });

  it('checks a held mass change against the worker’s configured guard approvers', async () => {
    const { verifyDecision } = activities({}, { people: ['ops@example.com'], groups: [] });
    const guard = { workflowId: 'guard/hr', approval: 'guard/hr', decision: 'approved' as const };
    const sign = (by: string) => signDecision(privateKey, { ...guard, by });
    expect(await verifyDecision({ ...guard, proof: await sign('ops@example.com') })).toMatchObject({ allowed: true });
    expect(await verifyDecision({ ...guard, proof: await sign('ana@example.com') })).toMatchObject({
      allowed: false,
      reason: 'the person deciding is neither listed in TENURE_GUARD_APPROVERS nor a member in Okta of a group in TENURE_GUARD_APPROVER_GROUPS',
    });
  });

  it('answers a bad proof with the reason, never with the proof', async () => {
    const { verifyDecision } = activities();
    const forged = await signDecision(generateKeyPairSync('ed25519').privateKey, { ...claims, by: 'ana@example.com' });
    const verdict = await verifyDecision({ ...claims, proof: forged, approvers: {} });
    expect(verdict).toEqual({ allowed: false, reason: "the decision's proof is not signed by this Tenure's decision key" });
    expect(JSON.stringify(verdict)).not.toContain(forged.split('.')[2]!);
  });

  it('fails, to be retried, when Okta cannot say who is in a group', async () => {
    const { verifyDecision } = createDecisionActivities({
      verifying: publicKey,
      groupsOf: async () => {
        throw new Error('Okta could not be reached');
      },
      guardApprovers: {},
    });
    await expect(verifyDecision({ ...claims, proof: await proofBy('ana@example.com'), approvers: { groups: ['identity-admins'] } })).rejects.toThrow('Okta could not be reached');
  });
});

describe('TENURE_GUARD_APPROVERS and TENURE_GUARD_APPROVER_GROUPS', () => {
  it('are comma-separated lists; a group name keeps its spaces', () => {
    const { guardApprovers } = loadConfig({ TENURE_GUARD_APPROVERS: ' ops@example.com, sec@example.com ,', TENURE_GUARD_APPROVER_GROUPS: 'Identity Admins,IT Security' });
    expect(guardApprovers).toEqual({ people: ['ops@example.com', 'sec@example.com'], groups: ['Identity Admins', 'IT Security'] });
    expect(loadConfig({}).guardApprovers).toEqual({ people: [], groups: [] });
  });
});

describe('decision keys', () => {
  it('gives a real org no key of its own: its worker refuses every decision and names the setting', async () => {
    const { decisionKeysFrom } = await import('../../src/decisions/keys.ts');
    const { mkdtemp, readdir } = await import('node:fs/promises');
    const dataDir = await mkdtemp(`${(await import('node:os')).tmpdir()}/tenure-keys-`);
    const keys = decisionKeysFrom({}, dataDir, false);
    expect(keys).toEqual({ signing: undefined, verifying: undefined });
    expect(await readdir(dataDir)).toEqual([]);
    const { verifyDecision } = createDecisionActivities({ verifying: keys.verifying, groupsOf: async () => [], guardApprovers: {} });
    expect(await verifyDecision({ ...claims, proof: await proofBy('ana@example.com'), approvers: {} })).toEqual({
      allowed: false,
      reason: "this worker has no decision key: set TENURE_DECISION_PUBLIC_KEY to the public half of the intake's TENURE_DECISION_KEY",
    });
    // The sandbox makes its pair once and keeps it: a proof signed before a restart still verifies.
    const sandbox = decisionKeysFrom({}, dataDir, true);
    expect(decisionKeysFrom({}, dataDir, true).verifying!.equals(sandbox.verifying!)).toBe(true);
  });
});
