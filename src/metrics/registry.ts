import { Counter, Registry } from 'prom-client';

/**
 * Tenure's own metrics, one set per process: a worker and an intake in one process (role `all`)
 * report through one `/metrics`. Labels carry target, action, source and route names only, never
 * an identity's key or name: a scrape is readable by whoever runs Prometheus.
 */
export const registry = new Registry();

/** Each action a worker took on a target, and whether it succeeded (a failed attempt that Temporal retries counts each time). */
export const actions = new Counter({
  name: 'tenure_actions_total',
  help: 'Actions on targets, by action type, target and outcome (ok or failed)',
  labelNames: ['action', 'target', 'outcome'] as const,
  registers: [registry],
});

/** Planned changes, by the lifecycle each policy classified them as and the source they came from. */
export const changes = new Counter({
  name: 'tenure_changes_total',
  help: 'Changes planned, by lifecycle kind and source',
  labelNames: ['kind', 'source'] as const,
  registers: [registry],
});

/** Deprovisionings the mass-change guard was asked to clear, a batch's members before an administrator decides. */
export const clearanceRequests = new Counter({
  name: 'tenure_guard_clearance_requests_total',
  help: 'Deprovisionings sent to the mass-change guard of a source, which holds them when they make a mass change',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const intakeRequests = new Counter({
  name: 'tenure_intake_requests_total',
  help: 'Requests the intake answered, by route pattern and status code',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

export const eventsAccepted = new Counter({
  name: 'tenure_events_accepted_total',
  help: 'Change events handed to identity workflows, by source',
  labelNames: ['source'] as const,
  registers: [registry],
});

/** `deliver`, counting each event it hands over by source once it has; what else it is given passes through. */
export function countingAccepted<E extends { source: string }, A extends unknown[], R>(deliver: (event: E, ...rest: A) => Promise<R>): (event: E, ...rest: A) => Promise<R> {
  return async (event, ...rest) => {
    const result = await deliver(event, ...rest);
    eventsAccepted.inc({ source: event.source });
    return result;
  };
}

/** Runs one action on a target, counting it by how it ended; the action's own result or error passes through untouched. */
export async function countedAction<T>(action: string, target: string, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    actions.inc({ action, target, outcome: 'ok' });
    return result;
  } catch (error) {
    actions.inc({ action, target, outcome: 'failed' });
    throw error;
  }
}
