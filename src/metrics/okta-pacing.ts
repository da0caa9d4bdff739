import { Counter, Gauge } from 'prom-client';
import type { PacingRequestExecutor } from '../okta/pacing.ts';
import { registry } from './registry.ts';

/** The pacers of this process's Okta clients: they already count 429s and track each window's budget. */
const pacers = new Set<PacingRequestExecutor>();

/** Reports `executor`'s figures in Okta's metrics from now on; the returned function stops it (a stopped stack). */
export function reportOktaPacing(executor: PacingRequestExecutor): () => void {
  pacers.add(executor);
  return () => pacers.delete(executor);
}

// A counter all the same: the pacers' counts only grow while the process lives.
new Counter({
  name: 'tenure_okta_throttled_total',
  help: 'Okta 429 answers received since the worker started, by endpoint family',
  labelNames: ['family'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const pacer of pacers) for (const [family, { throttled }] of Object.entries(pacer.stats())) this.inc({ family }, throttled);
  },
});

new Gauge({
  name: 'tenure_okta_rate_remaining',
  help: "Requests left in Okta's current rate-limit window, by endpoint family, as the latest answer reported less those sent since",
  labelNames: ['family'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const pacer of pacers) for (const [family, remaining] of Object.entries(pacer.budget())) this.inc({ family }, remaining);
  },
});
