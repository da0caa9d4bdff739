import type { FastifyInstance } from 'fastify';
import { OktaError, apiValidationFailed } from './errors.ts';
import { DEFAULT_HOOK_TIMEOUT_MS, verifyEndpoint } from './event-hook-calls.ts';
import { DEFAULT_FLUSH_INTERVAL_MS, EventHookDelivery, type DeliveryDrops } from './event-hook-delivery.ts';
import { eventHookDefinition } from './event-hook-input.ts';
import { EventHookRegistry, type EventHookRecord } from './event-hook-store.ts';
import { originOf } from './request.ts';
import type { OktaStore } from './store.ts';

export interface EventHookRouteOptions {
  store: OktaStore;
  /** Each call to a hook's endpoint; Okta waits 3 s. */
  timeoutMs?: number;
  /** How long deliveries wait to batch events that occur close together. */
  flushIntervalMs?: number;
  /** Deliveries the admin API asked to lose. */
  drops?: DeliveryDrops;
}

interface HookParams {
  eventHookId: string;
}

const verificationFailed = (hook: EventHookRecord): OktaError =>
  apiValidationFailed('eventHook', [`Unable to verify event hook. Hook ${hook.name} execution failed`]);

const post = { hints: { allow: ['POST'] } };

/** The JSON Okta answers for a hook: the secret header's value is never shown. */
function eventHookJson(hook: EventHookRecord, origin: string): Record<string, unknown> {
  const self = `${origin}/api/v1/eventHooks/${hook.id}`;
  const toggle = hook.status === 'ACTIVE' ? 'deactivate' : 'activate';
  return {
    id: hook.id,
    status: hook.status,
    verificationStatus: hook.verificationStatus,
    name: hook.name,
    description: hook.description,
    created: hook.created,
    createdBy: hook.createdBy,
    lastUpdated: hook.lastUpdated,
    events: { type: 'EVENT_TYPE', items: hook.eventTypes, filter: null },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: hook.channel.uri,
        headers: hook.channel.headers,
        method: 'POST',
        authScheme: hook.channel.authScheme && { type: 'HEADER', key: hook.channel.authScheme.key },
      },
    },
    _links: {
      self: { href: self },
      verify: { href: `${self}/lifecycle/verify`, ...post },
      [toggle]: { href: `${self}/lifecycle/${toggle}`, ...post },
    },
  };
}

/**
 * `/api/v1/eventHooks`. The plugin owns the org's hooks and their delivery, which it drains when
 * the server closes.
 */
export async function eventHookRoutes(app: FastifyInstance, options: EventHookRouteOptions): Promise<void> {
  const { log } = options.store;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  const hooks = new EventHookRegistry(log);
  const delivery = new EventHookDelivery(hooks, log, {
    timeoutMs,
    flushIntervalMs: options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
    drops: options.drops,
  });
  app.addHook('onClose', () => delivery.close());

  app.post('/api/v1/eventHooks', async (request) => {
    const origin = originOf(request);
    return eventHookJson(hooks.create(eventHookDefinition(request.body), origin), origin);
  });

  app.get('/api/v1/eventHooks', async (request) => {
    const origin = originOf(request);
    return [...hooks.all()].map((hook) => eventHookJson(hook, origin));
  });

  app.get<{ Params: HookParams }>('/api/v1/eventHooks/:eventHookId', async (request) =>
    eventHookJson(hooks.get(request.params.eventHookId), originOf(request)),
  );

  app.put<{ Params: HookParams }>('/api/v1/eventHooks/:eventHookId', async (request) => {
    const hook = hooks.get(request.params.eventHookId);
    const definition = eventHookDefinition(request.body, hook.channel.authScheme?.value);
    return eventHookJson(hooks.replace(hook.id, definition), originOf(request));
  });

  app.delete<{ Params: HookParams }>('/api/v1/eventHooks/:eventHookId', async (request, reply) => {
    hooks.delete(request.params.eventHookId);
    return reply.code(204).send();
  });

  app.post<{ Params: HookParams }>('/api/v1/eventHooks/:eventHookId/lifecycle/activate', async (request) =>
    eventHookJson(hooks.activate(request.params.eventHookId), originOf(request)),
  );

  app.post<{ Params: HookParams }>('/api/v1/eventHooks/:eventHookId/lifecycle/deactivate', async (request) =>
    eventHookJson(hooks.deactivate(request.params.eventHookId), originOf(request)),
  );

  app.post<{ Params: HookParams }>('/api/v1/eventHooks/:eventHookId/lifecycle/verify', async (request) => {
    const hook = hooks.get(request.params.eventHookId);
    const result = await verifyEndpoint(hook.channel, timeoutMs);
    if (!result.ok) throw verificationFailed(hook);
    return eventHookJson(hooks.markVerified(hook.id), originOf(request));
  });
}
