import type { OktaClient } from '../okta/client.ts';
import { DEFAULT_TARGET } from './actions.ts';
import { oktaTarget } from './okta/okta-target.ts';
import type { ScimConnection } from './scim/connection.ts';
import { scimTarget } from './scim/scim-target.ts';
import type { Target } from './target.ts';

/** The targets a worker acts on, by the names policies give them. */
export class Targets {
  constructor(private readonly byName: ReadonlyMap<string, Target>) {}

  /**
   * The target of that name. One a plan names but this worker lacks (its targets document differs
   * from the planner's) is a plain error, so the activity retries until the worker is fixed: the
   * work waits, it is not dropped.
   */
  get(name: string): Target {
    const target = this.byName.get(name);
    if (!target) throw new Error(`no target "${name}" is configured on this worker (it has ${[...this.byName.keys()].join(', ')}); check the Targets document`);
    return target;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Okta as `okta`, and each SCIM application by its name. */
export function createTargets(okta: OktaClient, scim: ReadonlyMap<string, ScimConnection> = new Map()): Targets {
  const targets = new Map<string, Target>([[DEFAULT_TARGET, oktaTarget(okta)]]);
  for (const [name, connection] of scim) targets.set(name, scimTarget(name, connection));
  return new Targets(targets);
}
