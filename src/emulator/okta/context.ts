import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is calling, as Okta's System Log records it. */
export interface LogActor {
  id: string;
  type: 'User' | 'PublicClientApp' | 'SystemPrincipal';
  alternateId: string;
  displayName: string;
}

/** What the System Log and event hooks need to know of the request that caused a change. */
export interface RequestContext {
  requestId: string;
  actor: LogActor;
  ipAddress: string;
  userAgent: string;
}

/** Changes made outside any API request (seeding, admin resets) are Okta's own. */
export const SYSTEM_ACTOR: LogActor = {
  id: '0oa0000000000000system',
  type: 'SystemPrincipal',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
};

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` (a request's handling) with its context visible to everything it calls. */
export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
