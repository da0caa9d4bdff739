import type { KeyObject } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Mailer } from '../src/notify/mailer.ts';
import type { OktaClient } from '../src/okta/client.ts';
import type { PolicySet } from '../src/policy/loader.ts';
import { DEFAULT_TARGET } from '../src/targets/actions.ts';
import type { Targets } from '../src/targets/registry.ts';
import { notifyActivities, templateRenderer } from './notify.ts';
import { legacyOktaActivities, oktaBindingActivities } from './okta-identity.ts';
import { planActivities } from './plan.ts';
import { resetPasswordActivities } from './reset-password.ts';
import { deliveryActivities } from './source-delivery.ts';
import { hrExportActivities } from './hr-export.ts';
import { oktaSourceActivities } from './okta-source.ts';
import { targetActivities } from './targets.ts';
import { createDecisionActivities, oktaGroupsReader } from './decisions.ts';
import type { TenureConfig } from '../src/runtime/config.ts';

export interface ActivityDependencies {
  policySet: PolicySet;
  okta: OktaClient;
  /** Okta and the SCIM applications of the Targets document. */
  targets: Targets;
  mailer: Mailer;
  /** Temporal, for activities that hand changes to identity workflows. */
  client: Client;
  taskQueue: string;
  config: TenureConfig;
  /** Tenure's public decision key, which the proof of every approval or rejection must verify against. */
  decisionKey: KeyObject | undefined;
}

/** What sources need: planning, handing changes to identity workflows, reading HR and Okta as sources. */
function sourceActivities(deps: ActivityDependencies) {
  return {
    ...planActivities(deps.policySet),
    ...deliveryActivities(deps),
    ...hrExportActivities(deps),
    ...oktaSourceActivities(deps),
    ...oktaBindingActivities(deps.okta),
  };
}

/** What acts on the world: the targets, notices, and Okta's password reset. */
function actingActivities(deps: ActivityDependencies) {
  const render = templateRenderer(deps.policySet.templates);
  return {
    ...targetActivities(deps.targets),
    ...legacyOktaActivities(deps.targets.get(DEFAULT_TARGET)),
    ...notifyActivities(render, deps.mailer),
    ...resetPasswordActivities(deps.okta, render, deps.mailer),
  };
}

/** What checks a person's decision before a workflow acts on it: the proof, and whether they may decide (Okta groups). */
function decisionActivities(deps: ActivityDependencies) {
  return createDecisionActivities({ verifying: deps.decisionKey, groupsOf: oktaGroupsReader(deps.okta), guardApprovers: deps.config.guardApprovers });
}

export function createActivities(deps: ActivityDependencies) {
  return { ...sourceActivities(deps), ...actingActivities(deps), ...decisionActivities(deps) };
}

export type SourceActivities = ReturnType<typeof sourceActivities>;
export type ActingActivities = ReturnType<typeof actingActivities>;
export type DecisionActivities = ReturnType<typeof decisionActivities>;
export type TenureActivities = SourceActivities & ActingActivities & DecisionActivities;
