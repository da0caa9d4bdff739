import { setTimeout as sleepFor } from 'node:timers/promises';
import okta from '@okta/okta-sdk-nodejs';
import { ENDPOINT_FAMILIES, endpointFamily, type EndpointFamily } from './endpoint-families.ts';

type SdkRequestExecutor = InstanceType<typeof okta.RequestExecutor>;
type Request = Parameters<SdkRequestExecutor['fetch']>[0];
type Response = Awaited<ReturnType<SdkRequestExecutor['fetch']>>;

/** The part of a fetch `Headers` object the rate-limit headers are read through. */
export interface HeaderSource {
  get(name: string): string | null;
}

function numberHeader(headers: HeaderSource, name: string): number | undefined {
  const raw = headers.get(name);
  // A repeated header arrives joined by commas and is no number: Okta's SDKs ignore it too.
  const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Okta's rate-limit windows last a minute: a reset further off is not believed. */
const LONGEST_WINDOW_MS = 60_000;

/**
 * How long until `X-Rate-Limit-Reset`, measured on Okta's clock: the reset against the response's
 * `Date`, as Okta's SDKs measure it. A worker whose clock runs ahead of Okta's would otherwise
 * take a window for over before it is, and spend the next one's budget into 429s. `Date` has
 * whole seconds, so this errs late by under a second, never early. Without `Date`, the local
 * clock stands in for Okta's. Never negative, never longer than a window.
 */
export function msUntilReset(headers: HeaderSource, localNow: number): number | undefined {
  const reset = numberHeader(headers, 'x-rate-limit-reset');
  if (reset === undefined) return undefined;
  const date = Date.parse(headers.get('date') ?? '');
  return Math.min(Math.max(reset * 1000 - (Number.isNaN(date) ? localNow : date), 0), LONGEST_WINDOW_MS);
}

/** What a family's latest rate-limit headers said about its current window. */
interface Window {
  /** `X-Rate-Limit-Reset` as sent, which tells one window from the next. */
  reset: number;
  /** When the window ends, on the local clock. */
  endsAt: number;
  limit: number;
  remaining: number;
  /** The sequence number of the request whose answer reported `remaining`: later ones are not counted in it. */
  countedUpTo: number;
}

export interface FamilyStats {
  /** Requests sent. */
  sent: number;
  /** 429 answers received. */
  throttled: number;
}

export interface PacingOptions {
  /** The local clock in epoch milliseconds; tests pass one they drive. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Kept back from every window for the org's other clients and for requests counted late. */
const RESERVE_SHARE = 0.05;
/** While more than this share of a window's limit is left, requests go out at once. */
const FREE_SHARE = 0.5;
/** The pacer knows too little to let a request go, and waits for the next answer. */
const UNTIL_ANSWER = -1;

function reserveOf(limit: number): number {
  return Math.max(1, Math.ceil(limit * RESERVE_SHARE));
}

/**
 * One endpoint family's pacing. Requests that may not go yet queue in order, and one loop lets
 * them out one at a time, each when the family's budget allows, so that waiting requests do not
 * all wake together.
 */
class FamilyPacer {
  sent = 0;
  throttled = 0;
  private inFlight = 0;
  private lastSentAt = -Infinity;
  /** Set by a 429: nothing goes before this time. */
  private heldUntil = -Infinity;
  private window: Window | undefined;
  /** Answers carry no rate-limit headers: there is nothing to pace by. */
  private unmetered = false;
  private readonly queue: Array<(sequence: number) => void> = [];
  private releasing = false;
  private answerWaiters: Array<() => void> = [];

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** Resolves with the request's sequence number when it may be sent; at once while the budget is ample. */
  turn(): Promise<number> {
    if (this.queue.length === 0 && this.delay(this.now()) === 0) return Promise.resolve(this.send());
    return new Promise((resolve) => {
      this.queue.push(resolve);
      void this.release();
    });
  }

  /** Learns from the answer to request `sequence`, or from its failure to get one. */
  answered(sequence: number, response: Response | undefined): void {
    this.inFlight -= 1;
    if (response !== undefined) this.learn(sequence, response);
    for (const wake of this.answerWaiters.splice(0)) wake();
  }

  private async release(): Promise<void> {
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.queue.length > 0) {
        const wait = this.delay(this.now());
        if (wait === UNTIL_ANSWER) await new Promise<void>((resolve) => this.answerWaiters.push(resolve));
        else if (wait > 0) await this.sleep(wait);
        else this.queue.shift()!(this.send());
      }
    } finally {
      this.releasing = false;
    }
  }

  /** Requests left in the current window as last reported, less those sent since; undefined while no window is known. */
  remaining(now: number): number | undefined {
    const window = this.window;
    if (window === undefined || window.endsAt <= now) return undefined;
    return Math.max(0, window.remaining - (this.sent - window.countedUpTo));
  }

  private send(): number {
    this.inFlight += 1;
    this.lastSentAt = this.now();
    this.sent += 1;
    return this.sent;
  }

  /**
   * How long the next request must wait. Far from the limit, not at all; nearer, the budget left
   * (less a reserve, and less the requests sent since it was reported) is spread evenly until the
   * window ends; with none left, until it ends. Before the first answer, and once a window is
   * over, one request goes alone to learn the new window's figures.
   */
  private delay(now: number): number {
    if (this.heldUntil > now) return this.heldUntil - now;
    const window = this.window;
    if (window === undefined || window.endsAt <= now) {
      return this.unmetered || this.inFlight === 0 ? 0 : UNTIL_ANSWER;
    }
    const budget = window.remaining - (this.sent - window.countedUpTo) - reserveOf(window.limit);
    if (budget <= 0) return window.endsAt - now;
    if (budget > window.limit * FREE_SHARE) return 0;
    // `budget` more requests, evenly spaced after the last one sent, the last of them before the end.
    return Math.max(0, this.lastSentAt + (window.endsAt - this.lastSentAt) / (budget + 1) - now);
  }

  private learn(sequence: number, response: Response): void {
    const headers = response.headers as HeaderSource;
    const now = this.now();
    const untilReset = msUntilReset(headers, now);
    if (response.status === 429) {
      this.throttled += 1;
      // A 429 for too many concurrent requests reports concurrency figures, not the window's:
      // only its reset is taken.
      if (untilReset !== undefined) this.heldUntil = Math.max(this.heldUntil, now + untilReset);
      return;
    }
    const reset = numberHeader(headers, 'x-rate-limit-reset');
    const limit = numberHeader(headers, 'x-rate-limit-limit');
    const remaining = numberHeader(headers, 'x-rate-limit-remaining');
    if (reset === undefined || limit === undefined || remaining === undefined || untilReset === undefined) {
      if (response.ok) this.unmetered = true;
      return;
    }
    this.unmetered = false;
    const endsAt = now + untilReset;
    const known = this.window;
    if (known === undefined || reset > known.reset) {
      this.window = { reset, endsAt, limit, remaining, countedUpTo: sequence };
    } else if (reset === known.reset) {
      // Answers overtake each other: the lowest count is the latest.
      if (remaining < known.remaining) {
        known.remaining = remaining;
        known.countedUpTo = sequence;
      }
      known.endsAt = Math.min(known.endsAt, endsAt);
    }
  }
}

/**
 * The SDK's request executor, without its retries (a 429 reaches the activity, which Temporal
 * retries when the window resets) and pacing requests by Okta's rate-limit headers, per endpoint
 * family as Okta counts them, so that a bulk run spends most of each window's budget and meets
 * few or no 429s. Several workers share the org's budget; each sees the others' requests in the
 * counts Okta reports, and the reserve absorbs what they send in between.
 */
export class PacingRequestExecutor extends okta.RequestExecutor {
  private readonly families: Record<EndpointFamily, FamilyPacer>;
  private readonly now: () => number;

  constructor(options: PacingOptions = {}) {
    super();
    const now = (this.now = options.now ?? Date.now);
    const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
    this.families = Object.fromEntries(ENDPOINT_FAMILIES.map((family) => [family, new FamilyPacer(now, sleep)])) as Record<
      EndpointFamily,
      FamilyPacer
    >;
  }

  override async fetch(request: Request): Promise<Response> {
    const pacer = this.families[endpointFamily(new URL(String(request.url)).pathname)];
    const sequence = await pacer.turn();
    let response: Response;
    try {
      response = await super.fetch(request);
    } catch (error) {
      pacer.answered(sequence, undefined);
      throw error;
    }
    pacer.answered(sequence, response);
    return response;
  }

  /** Requests sent and 429s received, per family, since the executor was made. */
  stats(): Record<EndpointFamily, FamilyStats> {
    return Object.fromEntries(
      ENDPOINT_FAMILIES.map((family) => [family, { sent: this.families[family].sent, throttled: this.families[family].throttled }]),
    ) as Record<EndpointFamily, FamilyStats>;
  }

  /** Per family, the requests left in Okta's current window by the pacer's reckoning; a family with no current window is absent. */
  budget(): Partial<Record<EndpointFamily, number>> {
    const now = this.now();
    const known = ENDPOINT_FAMILIES.map((family) => [family, this.families[family].remaining(now)] as const);
    return Object.fromEntries(known.filter(([, remaining]) => remaining !== undefined));
  }
}
