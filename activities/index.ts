import type { Mailer } from '../src/notify/mailer.ts';
import type { OktaClient } from '../src/okta/client.ts';
import type { PolicySet } from '../src/policy/loader.ts';
import { notifyActivities } from './notify.ts';
import { oktaIdentityActivities } from './okta-identity.ts';
import { planActivities } from './plan.ts';

export interface ActivityDependencies {
  policySet: PolicySet;
  okta: OktaClient;
  mailer: Mailer;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...planActivities(deps.policySet),
    ...oktaIdentityActivities(deps.okta),
    ...notifyActivities(deps.policySet.templates, deps.mailer),
  };
}

export type TenureActivities = ReturnType<typeof createActivities>;
