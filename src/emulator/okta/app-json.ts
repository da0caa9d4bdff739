import type { AppRecord, AppUser, Capabilities, GroupAssignment, Mapping } from './app-records.ts';
import type { UserRecord } from './user-store.ts';

/** The JSON Okta answers for apps and what hangs off them, with links on the origin the client used. */

const appUrl = (origin: string, app: AppRecord) => `${origin}/api/v1/apps/${app.id}`;

/** The app features Okta lists once provisioning is on, by which capabilities are enabled. */
function featuresOf(app: AppRecord): string[] {
  if (app.connection?.status !== 'ENABLED') return [];
  const { create, update } = app.capabilities;
  const on = (status: { status: string }) => status.status === 'ENABLED';
  return [
    ...(on(create.lifecycleCreate) ? ['PUSH_NEW_USERS'] : []),
    ...(on(update.profile) ? ['PUSH_PROFILE_UPDATES'] : []),
    ...(on(update.lifecycleDeactivate) ? ['PUSH_USER_DEACTIVATION', 'REACTIVATE_USERS'] : []),
    ...(on(update.password) ? ['PUSH_PASSWORD_UPDATES'] : []),
    'GROUP_PUSH',
  ];
}

export function appJson(app: AppRecord, origin: string): Record<string, unknown> {
  const self = appUrl(origin, app);
  const toggle = app.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    id: app.id,
    name: app.name,
    label: app.label,
    status: app.status,
    created: app.created,
    lastUpdated: app.lastUpdated,
    signOnMode: app.signOnMode,
    accessibility: { selfService: false, errorRedirectUrl: null, loginRedirectUrl: null, ...app.accessibility },
    visibility: { autoLaunch: false, autoSubmitToolbar: false, hide: { iOS: false, web: false }, ...app.visibility },
    features: featuresOf(app),
    credentials: { userNameTemplate: { template: '${source.login}', type: 'BUILT_IN' }, signing: {} },
    settings: { app: {}, ...app.settings },
    _links: {
      users: { href: `${self}/users` },
      groups: { href: `${self}/groups` },
      [toggle]: { href: `${self}/lifecycle/${toggle}` },
    },
  };
}

/** The connection's answer never holds the token. */
export function connectionJson(app: AppRecord, origin: string): Record<string, unknown> {
  const self = `${appUrl(origin, app)}/connections/default`;
  const connection = app.connection;
  if (!connection) return { authScheme: 'UNKNOWN', status: 'DISABLED', profile: { authScheme: 'UNKNOWN' }, _links: { self: { href: self } } };
  const toggle = connection.status === 'ENABLED' ? 'deactivate' : 'activate';
  return {
    authScheme: connection.authScheme,
    status: connection.status,
    baseUrl: connection.baseUrl,
    profile: { authScheme: connection.authScheme },
    _links: {
      self: { href: self, hints: { allow: ['GET', 'POST'] } },
      [toggle]: { href: `${self}/lifecycle/${toggle}`, hints: { allow: ['POST'] } },
    },
  };
}

export function featureJson(app: AppRecord, capabilities: Capabilities, origin: string): Record<string, unknown> {
  return {
    name: 'USER_PROVISIONING',
    status: app.connection?.status === 'ENABLED' ? 'ENABLED' : 'DISABLED',
    description: 'User provisioning settings from Okta to a downstream application',
    capabilities,
    _links: { self: { href: `${appUrl(origin, app)}/features/USER_PROVISIONING`, hints: { allow: ['GET', 'PUT'] } } },
  };
}

export interface AppUserView {
  user: UserRecord;
  scope: 'USER' | 'GROUP';
  /** When the assignment began. */
  created: string;
  told: AppUser | undefined;
}

/**
 * An app user: PROVISIONED once the app holds the user, STAGED while the push is pending, and
 * ACTIVE for an app that does not provision.
 */
export function appUserJson(app: AppRecord, view: AppUserView, origin: string): Record<string, unknown> {
  const { user, told } = view;
  const provisioning = app.connection?.status === 'ENABLED';
  const status = !provisioning ? 'ACTIVE' : told?.scimId ? 'PROVISIONED' : 'STAGED';
  const syncState = !provisioning ? 'DISABLED' : told?.lastError ? 'ERROR' : told?.scimId ? 'SYNCHRONIZED' : 'SYNCING';
  return {
    id: user.id,
    externalId: told?.scimId ?? null,
    created: view.created,
    lastUpdated: told?.lastUpdated ?? view.created,
    scope: view.scope,
    status,
    statusChanged: told?.statusChanged ?? view.created,
    passwordChanged: null,
    syncState,
    lastSync: told?.scimId ? told.lastUpdated : null,
    credentials: { userName: String(user.profile.login) },
    profile: {},
    _links: { app: { href: appUrl(origin, app) }, user: { href: `${origin}/api/v1/users/${user.id}` } },
  };
}

export function groupAssignmentJson(app: AppRecord, groupId: string, assignment: GroupAssignment, origin: string): Record<string, unknown> {
  return {
    id: groupId,
    lastUpdated: assignment.lastUpdated,
    priority: assignment.priority,
    profile: assignment.profile,
    _links: {
      app: { href: appUrl(origin, app) },
      self: { href: `${appUrl(origin, app)}/groups/${groupId}` },
      group: { href: `${origin}/api/v1/groups/${groupId}` },
    },
  };
}

export function mappingJson(app: AppRecord, mapping: Mapping, origin: string): Record<string, unknown> {
  return {
    id: mapping.id,
    sourceGroupId: mapping.sourceGroupId,
    targetGroupId: mapping.targetGroupId,
    status: mapping.status,
    created: mapping.created,
    lastUpdated: mapping.lastUpdated,
    lastPush: mapping.lastPush,
    errorSummary: mapping.errorSummary,
    _links: {
      app: { href: appUrl(origin, app) },
      sourceGroup: { href: `${origin}/api/v1/groups/${mapping.sourceGroupId}` },
      targetGroup: { href: `${origin}/api/v1/groups/${mapping.targetGroupId}` },
    },
  };
}
