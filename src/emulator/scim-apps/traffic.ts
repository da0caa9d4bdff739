import { z } from 'zod';
import { ScimError } from '../../scim/errors.ts';
import { isObject } from '../../scim/resource-shape.ts';

/**
 * What the admin API does to an app's SCIM traffic, and what it counts of it: tests make an app
 * answer a status for the next N requests (a 429 with Retry-After, a 500) or be down (503) until
 * it is back, and read how many requests of each method the app received.
 */

const StatusFault = z.strictObject({
  status: z.number().int().min(400).max(599).describe('The status the next requests answer.'),
  times: z.number().int().min(0).describe('How many requests answer it; 0 clears a fault not yet used up.'),
  retryAfter: z.number().int().min(0).optional().describe('Seconds, sent as Retry-After.'),
});
const Down = z.strictObject({ down: z.boolean().describe('true: every request answers 503 until false.') });
export type FaultRequest = z.infer<typeof StatusFault> | z.infer<typeof Down>;

/** A fault request's body, or a 400 saying what is wrong with it (checked against the shape it looks like, so the message is about that one). */
export function parseFaultRequest(body: unknown): FaultRequest {
  const schema = isObject(body) && 'down' in body ? Down : StatusFault;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const shape = '{"status": 429, "times": 2, "retryAfter": 1} or {"down": true}';
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the body'}: ${issue.message}`).join('; ');
  throw new ScimError(400, 'invalidValue', `a fault is ${shape}; ${problems}`);
}

export const COUNTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type CountedMethod = (typeof COUNTED_METHODS)[number];

export interface Refusal {
  status: number;
  retryAfter: number | undefined;
  detail: string;
}

export interface TrafficStats {
  /** Every SCIM request the app received, by method, whatever it was answered (faults and 401s included). */
  requests: Record<CountedMethod, number>;
  /** Those answered by an injected fault or by being down. */
  faulted: number;
}

export interface FaultState {
  down: boolean;
  status: number | undefined;
  remaining: number;
  retryAfter: number | undefined;
}

const zero = (): Record<CountedMethod, number> => ({ GET: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 });

export class AppTraffic {
  private down = false;
  private fault: { status: number; remaining: number; retryAfter: number | undefined } | undefined;
  private counts = zero();
  private faulted = 0;

  constructor(private readonly title: string) {}

  set(request: FaultRequest): FaultState {
    if ('down' in request) this.down = request.down;
    else this.fault = request.times > 0 ? { status: request.status, remaining: request.times, retryAfter: request.retryAfter } : undefined;
    return this.state();
  }

  state(): FaultState {
    return { down: this.down, status: this.fault?.status, remaining: this.fault?.remaining ?? 0, retryAfter: this.fault?.retryAfter };
  }

  /** Counts one request and answers the refusal it gets, if any. Being down wins and uses up no fault. */
  take(method: string): Refusal | undefined {
    if ((COUNTED_METHODS as readonly string[]).includes(method)) this.counts[method as CountedMethod] += 1;
    if (this.down) {
      this.faulted += 1;
      return { status: 503, retryAfter: undefined, detail: `${this.title} is down (the emulator was told so)` };
    }
    const fault = this.fault;
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.fault = undefined;
    this.faulted += 1;
    return { status: fault.status, retryAfter: fault.retryAfter, detail: `${this.title} answered ${fault.status} (an injected fault)` };
  }

  stats(): TrafficStats {
    return { requests: { ...this.counts }, faulted: this.faulted };
  }

  resetStats(): void {
    this.counts = zero();
    this.faulted = 0;
  }
}
