import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  appJson,
  appUserJson,
  connectionJson,
  featureJson,
  groupAssignmentJson,
  mappingJson,
  type AppUserView,
} from './app-json.ts';
import type { AppRecord, Capabilities } from './app-records.ts';
import { notAllowedInUserStatus, resourceNotFound } from './errors.ts';
import { pageLinks, parseLimit, takePage } from './paging.ts';
import { assignmentsOf } from './provisioning.ts';
import { booleanQuery, objectBody, originOf } from './request.ts';
import type { OktaStore } from './store.ts';
import { validationFailed } from './zod-errors.ts';

/**
 * `/api/v1/apps`: apps, their provisioning connection and USER_PROVISIONING feature, user and group
 * assignments, and group push mappings, with the SCIM push Okta's provisioning does (see
 * provisioning.ts for what is pushed when, scim-push.ts for the calls in each app's shape).
 *
 * What the emulator models of Okta's provisioning:
 * - two kinds of app: the OIN catalogue's "SCIM 2.0 Test App (OAuth Bearer Token)" (`name:
 *   "scim2testapp"`), which sends PUT for profile updates and PATCH for everything else, and an
 *   app built with the App Integration Wizard (no `name`; one is made from the label), which sends
 *   PUT for everything;
 * - a token connection (`baseUrl`, bearer `token`) and the "to app" capabilities (create, profile
 *   update, deactivation, password), all on by default; nothing is pushed while the app is
 *   inactive or the connection disabled, and what changed meanwhile is pushed once it is enabled;
 * - direct and group assignments, users joining and leaving assigned groups, deactivation (which
 *   ends direct assignments) and reactivation; profile pushes for mapped attributes only;
 * - Group Push mappings: create or link by name, membership of assigned users, rename, pause
 *   (INACTIVE), delete with or without the app's group;
 * - asynchronous, ordered delivery per app with retries (network errors, 5xx, 429 and its
 *   Retry-After), failed tasks for other 4xx, and the queue kept across restarts.
 *
 * What it does not model: imports from the app (profile mastering, "To Okta"), attribute mapping
 * editing and app user profiles (the default mappings of scim2testapp are fixed, scim-user.ts),
 * password sync after creation (a random password is sent on create only), suspension, OAuth
 * connections, app groups as Okta groups (`targetGroupId` names the app's group but is not listed
 * under /api/v1/groups), the `filter` and `expand` parameters of the lists, and the other OIN apps.
 */

interface AppParams {
  appId: string;
}
interface AppUserParams extends AppParams {
  userId: string;
}
interface AppGroupParams extends AppParams {
  groupId: string;
}
interface MappingParams extends AppParams {
  mappingId: string;
}
interface ListQuery {
  after?: string;
  limit?: string;
  q?: string;
}

const SIGN_ON_MODES = [
  'AUTO_LOGIN',
  'BASIC_AUTH',
  'BOOKMARK',
  'BROWSER_PLUGIN',
  'OPENID_CONNECT',
  'SAML_1_1',
  'SAML_2_0',
  'SECURE_PASSWORD_STORE',
  'WS_FEDERATION',
] as const;

const JsonObject = z.record(z.string(), z.unknown());

const NewAppSchema = z.looseObject({
  label: z.string(),
  signOnMode: z.enum(SIGN_ON_MODES),
  name: z.string().optional(),
  settings: JsonObject.optional(),
  visibility: JsonObject.optional(),
  accessibility: JsonObject.optional(),
});

const ConnectionSchema = z.looseObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the app\'s SCIM endpoint' }),
  profile: z.looseObject({
    authScheme: z.literal('TOKEN', { error: 'the emulator takes TOKEN connections only' }),
    token: z.string({ error: 'a TOKEN connection needs its token' }).min(1, { error: 'a TOKEN connection needs its token' }),
  }),
});

const Setting = z.object({ status: z.enum(['ENABLED', 'DISABLED']) });
/** A partial update of the USER_PROVISIONING capabilities. */
const CapabilitiesUpdateSchema = z.looseObject({
  create: z.looseObject({ lifecycleCreate: Setting.optional() }).optional(),
  update: z
    .looseObject({
      profile: Setting.optional(),
      lifecycleDeactivate: Setting.optional(),
      password: z
        .object({ status: z.enum(['ENABLED', 'DISABLED']).optional(), seed: z.enum(['OKTA', 'RANDOM']).optional(), change: z.enum(['CHANGE', 'KEEP_EXISTING']).optional() })
        .optional(),
    })
    .optional(),
});

const AssignUserSchema = z.looseObject({ id: z.string().min(1) });
const AssignGroupSchema = z.looseObject({ priority: z.number().int().min(0).optional(), profile: JsonObject.optional() });

const MappingStatus = z.enum(['ACTIVE', 'INACTIVE']);
const NewMappingSchema = z.looseObject({
  sourceGroupId: z.string().min(1),
  targetGroupName: z.string().trim().min(1).optional(),
  targetGroupId: z.string().min(1).optional(),
  status: MappingStatus.default('ACTIVE'),
});
const MappingUpdateSchema = z.looseObject({ status: MappingStatus });

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(objectBody(body));
  if (!parsed.success) throw validationFailed(what, parsed.error);
  return parsed.data;
}

function mergeCapabilities(current: Capabilities, change: z.infer<typeof CapabilitiesUpdateSchema>): Capabilities {
  return {
    create: { lifecycleCreate: change.create?.lifecycleCreate ?? current.create.lifecycleCreate },
    update: {
      profile: change.update?.profile ?? current.update.profile,
      lifecycleDeactivate: change.update?.lifecycleDeactivate ?? current.update.lifecycleDeactivate,
      password: { ...current.update.password, ...change.update?.password },
    },
  };
}

const USER_PROVISIONING = 'USER_PROVISIONING';

export async function appRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;
  const apps = store.apps;

  /** The app's assigned users, in id order, as Okta's app users. */
  const appUsers = (record: AppRecord): AppUserView[] =>
    [...assignmentsOf(store, record)]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([userId, scope]) => ({
        user: store.getUser(userId),
        scope,
        created: record.directUsers[userId]?.created ?? record.appUsers[userId]?.created ?? record.created,
        told: record.appUsers[userId],
      }));

  const appUser = (record: AppRecord, userId: string): AppUserView => {
    const view = appUsers(record).find((candidate) => candidate.user.id === userId);
    if (!view) throw resourceNotFound(userId, 'AppUser');
    return view;
  };

  // Apps

  app.post<{ Querystring: { activate?: string } }>('/api/v1/apps', async (request) => {
    const input = parse(NewAppSchema, request.body, 'application');
    const created = apps.create(
      {
        label: input.label,
        signOnMode: input.signOnMode,
        ...(input.name === undefined ? {} : { name: input.name }),
        settings: input.settings ?? {},
        visibility: input.visibility ?? {},
        accessibility: input.accessibility ?? {},
      },
      booleanQuery(request.query.activate, true),
    );
    return appJson(created, originOf(request));
  });

  app.get<{ Querystring: ListQuery }>('/api/v1/apps', async (request, reply) => {
    const origin = originOf(request);
    const q = request.query.q?.toLowerCase();
    const matching = apps.list().filter((record) => q === undefined || record.name.toLowerCase().startsWith(q) || record.label.toLowerCase().startsWith(q));
    const after = request.query.after;
    const page = takePage(
      matching.filter((record) => after === undefined || record.id > after),
      parseLimit(request.query.limit, 200, 200),
      (record) => record.id,
    );
    reply.header('link', pageLinks(origin, request.url, page.nextAfter));
    return page.items.map((record) => appJson(record, origin));
  });

  app.get<{ Params: AppParams }>('/api/v1/apps/:appId', async (request) => appJson(apps.get(request.params.appId), originOf(request)));

  app.delete<{ Params: AppParams }>('/api/v1/apps/:appId', async (request, reply) => {
    apps.delete(request.params.appId);
    return reply.code(204).send();
  });

  for (const [operation, status] of [['activate', 'ACTIVE'], ['deactivate', 'INACTIVE']] as const) {
    app.post<{ Params: AppParams }>(`/api/v1/apps/:appId/lifecycle/${operation}`, async (request) => {
      apps.setStatus(request.params.appId, status);
      return {};
    });
  }

  // The provisioning connection

  app.get<{ Params: AppParams }>('/api/v1/apps/:appId/connections/default', async (request) =>
    connectionJson(apps.get(request.params.appId), originOf(request)),
  );

  app.post<{ Params: AppParams; Querystring: { activate?: string } }>('/api/v1/apps/:appId/connections/default', async (request) => {
    const { baseUrl, profile } = parse(ConnectionSchema, request.body, 'provisioningConnection');
    const raw = request.query.activate;
    const activate = raw === undefined ? undefined : booleanQuery(raw, false);
    return connectionJson(apps.setConnection(request.params.appId, baseUrl, profile.token, activate), originOf(request));
  });

  for (const [operation, status] of [['activate', 'ENABLED'], ['deactivate', 'DISABLED']] as const) {
    app.post<{ Params: AppParams }>(`/api/v1/apps/:appId/connections/default/lifecycle/${operation}`, async (request, reply) => {
      apps.setConnectionStatus(request.params.appId, status);
      return reply.code(204).send();
    });
  }

  // Features

  app.get<{ Params: AppParams }>('/api/v1/apps/:appId/features', async (request) => {
    const { app: record, capabilities } = apps.capabilities(request.params.appId);
    return [featureJson(record, capabilities, originOf(request))];
  });

  const feature = (appId: string, name: string) => {
    const found = apps.capabilities(appId);
    if (name !== USER_PROVISIONING) throw resourceNotFound(name, 'AppFeature');
    return found;
  };

  app.get<{ Params: AppParams & { name: string } }>('/api/v1/apps/:appId/features/:name', async (request) => {
    const { app: record, capabilities } = feature(request.params.appId, request.params.name);
    return featureJson(record, capabilities, originOf(request));
  });

  app.put<{ Params: AppParams & { name: string } }>('/api/v1/apps/:appId/features/:name', async (request) => {
    const { capabilities } = feature(request.params.appId, request.params.name);
    const change = parse(CapabilitiesUpdateSchema, request.body, 'feature');
    const record = apps.updateCapabilities(request.params.appId, mergeCapabilities(capabilities, change));
    return featureJson(record, record.capabilities, originOf(request));
  });

  // User assignments

  app.post<{ Params: AppParams }>('/api/v1/apps/:appId/users', async (request) => {
    const { id } = parse(AssignUserSchema, request.body, 'appUser');
    const record = apps.get(request.params.appId);
    const user = store.getUser(id);
    if (user.status === 'DEPROVISIONED') throw notAllowedInUserStatus();
    apps.assignUser(record.id, user.id);
    return appUserJson(record, appUser(record, user.id), originOf(request));
  });

  app.get<{ Params: AppParams; Querystring: ListQuery }>('/api/v1/apps/:appId/users', async (request, reply) => {
    const origin = originOf(request);
    const record = apps.get(request.params.appId);
    const after = request.query.after;
    const page = takePage(
      appUsers(record).filter((view) => after === undefined || view.user.id > after),
      parseLimit(request.query.limit, 50, 500),
      (view) => view.user.id,
    );
    reply.header('link', pageLinks(origin, request.url, page.nextAfter));
    return page.items.map((view) => appUserJson(record, view, origin));
  });

  app.get<{ Params: AppUserParams }>('/api/v1/apps/:appId/users/:userId', async (request) => {
    const record = apps.get(request.params.appId);
    return appUserJson(record, appUser(record, request.params.userId), originOf(request));
  });

  app.delete<{ Params: AppUserParams }>('/api/v1/apps/:appId/users/:userId', async (request, reply) => {
    apps.unassignUser(request.params.appId, request.params.userId);
    return reply.code(204).send();
  });

  // Group assignments

  app.get<{ Params: AppParams }>('/api/v1/apps/:appId/groups', async (request) => {
    const record = apps.get(request.params.appId);
    return Object.entries(record.groups)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([groupId, assignment]) => groupAssignmentJson(record, groupId, assignment, originOf(request)));
  });

  app.get<{ Params: AppGroupParams }>('/api/v1/apps/:appId/groups/:groupId', async (request) => {
    const { appId, groupId } = request.params;
    return groupAssignmentJson(apps.get(appId), groupId, apps.groupAssignment(appId, groupId), originOf(request));
  });

  app.put<{ Params: AppGroupParams }>('/api/v1/apps/:appId/groups/:groupId', async (request) => {
    const { appId, groupId } = request.params;
    const given = parse(AssignGroupSchema, request.body, 'applicationGroupAssignment');
    const record = apps.get(appId);
    const group = store.getGroup(groupId);
    const assignment = apps.assignGroup(record.id, group.id, given);
    return groupAssignmentJson(record, group.id, assignment, originOf(request));
  });

  app.delete<{ Params: AppGroupParams }>('/api/v1/apps/:appId/groups/:groupId', async (request, reply) => {
    apps.unassignGroup(request.params.appId, request.params.groupId);
    return reply.code(204).send();
  });

  // Group push

  app.post<{ Params: AppParams }>('/api/v1/apps/:appId/group-push/mappings', async (request, reply) => {
    const input = parse(NewMappingSchema, request.body, 'groupPushMapping');
    const record = apps.get(request.params.appId);
    const source = store.getGroup(input.sourceGroupId);
    const mapping = apps.createMapping(record.id, input, String(source.profile.name));
    return reply.code(201).send(mappingJson(record, mapping, originOf(request)));
  });

  app.get<{ Params: AppParams; Querystring: { sourceGroupId?: string; status?: string } }>(
    '/api/v1/apps/:appId/group-push/mappings',
    async (request) => {
      const record = apps.get(request.params.appId);
      const { sourceGroupId, status } = request.query;
      return Object.values(record.mappings)
        .filter((mapping) => (sourceGroupId === undefined || mapping.sourceGroupId === sourceGroupId) && (status === undefined || mapping.status === status))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((mapping) => mappingJson(record, mapping, originOf(request)));
    },
  );

  app.get<{ Params: MappingParams }>('/api/v1/apps/:appId/group-push/mappings/:mappingId', async (request) => {
    const { appId, mappingId } = request.params;
    return mappingJson(apps.get(appId), apps.mapping(appId, mappingId), originOf(request));
  });

  app.patch<{ Params: MappingParams }>('/api/v1/apps/:appId/group-push/mappings/:mappingId', async (request) => {
    const { appId, mappingId } = request.params;
    const { status } = parse(MappingUpdateSchema, request.body, 'groupPushMapping');
    return mappingJson(apps.get(appId), apps.setMappingStatus(appId, mappingId, status), originOf(request));
  });

  app.delete<{ Params: MappingParams; Querystring: { deleteTargetGroup?: string } }>(
    '/api/v1/apps/:appId/group-push/mappings/:mappingId',
    async (request, reply) => {
      const { appId, mappingId } = request.params;
      apps.deleteMapping(appId, mappingId, booleanQuery(request.query.deleteTargetGroup, false));
      return reply.code(204).send();
    },
  );
}
