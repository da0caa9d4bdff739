import type { Client } from '@temporalio/client';
import type { Mailer } from '../src/notify/mailer.ts';
import type { OktaClient } from '../src/okta/client.ts';
import type { PolicySet } from '../src/policy/loader.ts';
import { notifyActivities, templateRenderer } from './notify.ts';
import { oktaIdentityActivities } from './okta-identity.ts';
import { planActivities } from './plan.ts';
import { resetPasswordActivities } from './reset-password.ts';
import { deliveryActivities } from './source-delivery.ts';
import { hrExportActivities } from './hr-export.ts';
import { oktaSourceActivities } from './okta-source.ts';
import type { TenureConfig } from '../src/runtime/config.ts';

export interface ActivityDependencies {
  policySet: PolicySet;
  okta: OktaClient;
  mailer: Mailer;
  /** Temporal, for activities that hand changes to identity workflows. */
  client: Client;
  taskQueue: string;
  config: TenureConfig;
}

export function createActivities(deps: ActivityDependencies) {
  const render = templateRenderer(deps.policySet.templates);
  return {
    ...planActivities(deps.policySet),
    ...oktaIdentityActivities(deps.okta),
    ...notifyActivities(render, deps.mailer),
    ...resetPasswordActivities(deps.okta, render, deps.mailer),
    ...deliveryActivities(deps),
    ...hrExportActivities(deps),
    ...oktaSourceActivities(deps),
  };
}

export type TenureActivities = ReturnType<typeof createActivities>;
