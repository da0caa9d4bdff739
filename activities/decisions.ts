import type { KeyObject } from 'node:crypto';
import { DecisionRefused, verifyDecision as verifyProof, type DecisionAnswer } from '../src/decisions/proof.ts';
import type { OktaClient } from '../src/okta/client.ts';
import { toActivityError } from '../src/okta/errors.ts';
import { findUser } from '../src/okta/users.ts';
import type { Approvers } from '../src/policy/schema.ts';

/** The Okta groups of the person with this login, by name; undefined when Okta has no such user. */
export type GroupsReader = (login: string) => Promise<string[] | undefined>;

export interface DecisionVerification {
  /** Tenure's public decision key: a worker checks proofs, it never makes them. */
  verifying: KeyObject | undefined;
  groupsOf: GroupsReader;
  /** Who may release or drop a held mass change (TENURE_GUARD_APPROVERS, TENURE_GUARD_APPROVER_GROUPS). */
  guardApprovers: Approvers;
}

export interface DecisionCheck {
  /** Never logged, returned or recorded by the activity: only its verdict is. */
  proof?: string;
  workflowId: string;
  /** The waiting approval's `policy/workflow`, or the guard's or held batch's workflow id. */
  approval: string;
  decision: DecisionAnswer;
  /** An identity approval's, from its policy (`{}` when it names none); unset, the mass-change approvers configured on the worker. */
  approvers?: Approvers;
}

export type DecisionVerdict = { allowed: true; by: string; proofId: string } | { allowed: false; reason: string; claimedBy?: string };

/** Reads group memberships from the worker's Okta: the user by login, then every group they are in. */
export function oktaGroupsReader(okta: OktaClient): GroupsReader {
  return async (login) => {
    try {
      const user = await findUser(okta, login);
      if (!user?.id) return undefined;
      const names: string[] = [];
      for await (const group of await okta.userApi.listUserGroups({ userId: user.id })) {
        if (group?.profile?.name) names.push(group.profile.name);
      }
      return names;
    } catch (error) {
      // Okta down or rate limited: retried as any Okta call is, then the decision is refused as unverifiable.
      throw toActivityError(error, 'reading the Okta groups of the person deciding');
    }
  };
}

const lower = (values: string[] | undefined) => new Set((values ?? []).map((value) => value.toLowerCase()));

/**
 * Checks a decision before a workflow acts on it: the proof is Tenure's, current and made for this
 * very workflow, approval and answer, and the person it names may decide. A refusal is an answer,
 * not an error, so that the workflow records it; only Okta failing to answer is thrown (and retried).
 */
export function createDecisionActivities({ verifying, groupsOf, guardApprovers }: DecisionVerification) {
  /** Why this person may not decide, or undefined when they may. Reasons name no one: they are logged. */
  async function notAllowed(by: string, approvers: Approvers, configuredOn: 'policy' | 'worker'): Promise<string | undefined> {
    const people = lower(approvers.people);
    const groups = lower(approvers.groups);
    // Nothing configured: anyone Tenure authenticated decides (the documented default).
    if (people.size === 0 && groups.size === 0) return undefined;
    if (people.has(by.toLowerCase())) return undefined;
    if (groups.size > 0 && (await groupsOf(by))?.some((name) => groups.has(name.toLowerCase()))) return undefined;
    const [listed, grouped] = configuredOn === 'policy' ? ['in the policy\'s approval.approvers.people', 'approval.approvers.groups'] : ['in TENURE_GUARD_APPROVERS', 'TENURE_GUARD_APPROVER_GROUPS'];
    return `the person deciding is neither listed ${listed} nor a member in Okta of a group in ${grouped}`;
  }

  return {
    async verifyDecision({ proof, workflowId, approval, decision, approvers }: DecisionCheck): Promise<DecisionVerdict> {
      let by: string;
      let proofId: string;
      try {
        ({ by, proofId } = await verifyProof(verifying, proof, { workflowId, approval, decision }));
      } catch (error) {
        if (error instanceof DecisionRefused) return { allowed: false, reason: error.message };
        throw error;
      }
      const reason = await notAllowed(by, approvers ?? guardApprovers, approvers ? 'policy' : 'worker');
      return reason ? { allowed: false, reason, claimedBy: by } : { allowed: true, by, proofId };
    },
  };
}
