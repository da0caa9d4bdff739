import { z } from 'zod';
import type { EndpointFamily } from './endpoint-families.ts';

/** What to inflict on the requests of an endpoint family; `*` is the rule for families without one of their own. */
export type FaultTarget = EndpointFamily | '*';

export const FaultRuleSchema = z.strictObject({
  /** Delay before the request is handled, in milliseconds. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** The probability that a request fails with 500. */
  errorRate: z.number().min(0).max(1).default(0),
  /** Fail exactly the next N requests with 500, before `errorRate` is drawn. */
  failNext: z.number().int().min(0).default(0),
  /** Refuse exactly the next N requests with 429, before any failure. */
  throttleNext: z.number().int().min(0).default(0),
});

export type FaultRule = z.infer<typeof FaultRuleSchema>;

/** What happens to one request. */
export interface FaultDraw {
  latencyMs: number;
  outcome: 'pass' | 'throttle' | 'fail';
}

const NO_FAULT: FaultDraw = { latencyMs: 0, outcome: 'pass' };

/**
 * Injected faults, per endpoint family. A request draws on the most specific rule that applies to
 * it, so the work per request is two map lookups however many rules are set.
 */
export class Faults {
  private readonly rules = new Map<FaultTarget, FaultRule>();

  /** `random` returns a number in [0, 1), as Math.random does; tests pass a deterministic one. */
  constructor(private readonly random: () => number = Math.random) {}

  set(target: FaultTarget, rule: FaultRule): void {
    this.rules.set(target, { ...rule });
  }

  clear(target?: FaultTarget): void {
    if (target === undefined) this.rules.clear();
    else this.rules.delete(target);
  }

  /** The rules in force, with the counts of forced failures and 429s still to come. */
  list(): Array<{ target: FaultTarget } & FaultRule> {
    return [...this.rules].map(([target, rule]) => ({ target, ...rule }));
  }

  draw(family: EndpointFamily): FaultDraw {
    const rule = this.rules.get(family) ?? this.rules.get('*');
    if (rule === undefined) return NO_FAULT;
    const { latencyMs } = rule;
    if (rule.throttleNext > 0) {
      rule.throttleNext -= 1;
      return { latencyMs, outcome: 'throttle' };
    }
    if (rule.failNext > 0) {
      rule.failNext -= 1;
      return { latencyMs, outcome: 'fail' };
    }
    const fails = rule.errorRate > 0 && this.random() < rule.errorRate;
    return { latencyMs, outcome: fails ? 'fail' : 'pass' };
  }
}
