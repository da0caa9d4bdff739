import type { Mailer } from '../src/notify/mailer.ts';
import type { OktaClient } from '../src/okta/client.ts';
import type { PolicySet } from '../src/policy/loader.ts';
import { notifyActivities, templateRenderer } from './notify.ts';
import { oktaIdentityActivities } from './okta-identity.ts';
import { planActivities } from './plan.ts';
import { resetPasswordActivities } from './reset-password.ts';

export interface ActivityDependencies {
  policySet: PolicySet;
  okta: OktaClient;
  mailer: Mailer;
}

export function createActivities(deps: ActivityDependencies) {
  const render = templateRenderer(deps.policySet.templates);
  return {
    ...planActivities(deps.policySet),
    ...oktaIdentityActivities(deps.okta),
    ...notifyActivities(render, deps.mailer),
    ...resetPasswordActivities(deps.okta, render, deps.mailer),
  };
}

export type TenureActivities = ReturnType<typeof createActivities>;
