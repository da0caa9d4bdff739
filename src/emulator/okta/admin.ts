import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ADMIN_PREFIX, isEndpointFamily } from './endpoint-families.ts';
import { OktaError, apiValidationFailed } from './errors.ts';
import type { DeliveryDrops } from './event-hook-delivery.ts';
import { FaultRuleSchema, type FaultTarget, type Faults } from './faults.ts';
import type { RateLimiter } from './rate-limits.ts';
import type { ScimPush } from './scim-push.ts';
import { applySeed } from './seed.ts';
import type { OktaStore } from './store.ts';
import { validationFailed } from './zod-errors.ts';

/**
 * The emulator's own API, beside Okta's: inject faults, read the rate-limit counts, empty the org,
 * seed it, lose event hook deliveries, watch an app's SCIM pushes. Off unless asked for, and only for the emulator's SSWS
 * token (checked before any route runs).
 */

export interface AdminOptions {
  store: OktaStore;
  faults: Faults;
  rateLimiter: RateLimiter;
  drops: DeliveryDrops;
  push: ScimPush;
}

const PushQuerySchema = z.object({
  settled: z.enum(['true', 'false']).optional(),
  timeoutMs: z.coerce.number().int().min(0).max(120_000).default(30_000),
});

const DropRequestSchema = z.strictObject({ count: z.number().int().min(0) });

function faultTarget(raw: string): FaultTarget {
  if (raw === '*' || isEndpointFamily(raw)) return raw;
  throw apiValidationFailed('target', [`target: must be an endpoint family or *, got "${raw}"`]);
}

export async function adminRoutes(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const { store, faults, rateLimiter, drops, push } = options;

  app.get(`${ADMIN_PREFIX}/faults`, async () => faults.list());

  app.put<{ Params: { target: string } }>(`${ADMIN_PREFIX}/faults/:target`, async (request) => {
    const target = faultTarget(request.params.target);
    const parsed = FaultRuleSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationFailed('fault', parsed.error);
    faults.set(target, parsed.data);
    return { target, ...parsed.data };
  });

  app.delete(`${ADMIN_PREFIX}/faults`, async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });

  app.delete<{ Params: { target: string } }>(`${ADMIN_PREFIX}/faults/:target`, async (request, reply) => {
    faults.clear(faultTarget(request.params.target));
    return reply.code(204).send();
  });

  app.get(`${ADMIN_PREFIX}/rate-limits`, async () => rateLimiter.usage());

  /** Empties the org, back to the built-in Everyone group. Faults stay as they are. */
  app.post(`${ADMIN_PREFIX}/reset`, async (_request, reply) => {
    store.reset();
    return reply.code(204).send();
  });

  app.post(`${ADMIN_PREFIX}/seed`, async (request) => {
    try {
      return applySeed(store, request.body);
    } catch (error) {
      if (error instanceof OktaError) throw error;
      throw apiValidationFailed('seed', [(error as Error).message]);
    }
  });

  /** Loses the next `count` event hook deliveries before they are sent, each logged as a failed `event_hook.delivery`. */
  app.post(`${ADMIN_PREFIX}/event-hooks/drop`, async (request) => {
    const parsed = DropRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationFailed('drop', parsed.error);
    drops.dropNext(parsed.data.count);
    return { dropNext: parsed.data.count };
  });

  /**
   * An app's SCIM push log (method, path without the filter's value, status, attempt, outcome),
   * its failed tasks and how many pushes are pending. With `settled=true` the answer waits until
   * none are (or `timeoutMs` passes), so that a test needs no clock.
   */
  app.get<{ Params: { appId: string }; Querystring: Record<string, string> }>(`${ADMIN_PREFIX}/apps/:appId/push`, async (request) => {
    const { appId } = request.params;
    store.apps.get(appId);
    const parsed = PushQuerySchema.safeParse(request.query);
    if (!parsed.success) throw validationFailed('push', parsed.error);
    const pending = parsed.data.settled === 'true' ? await push.settled(appId, parsed.data.timeoutMs) : store.apps.pending(appId);
    return { appId, pending, ...push.history(appId) };
  });
}
