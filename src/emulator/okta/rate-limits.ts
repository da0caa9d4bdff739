import type { FastifyReply } from 'fastify';
import { ENDPOINT_FAMILIES, type EndpointFamily } from './endpoint-families.ts';
import { OktaError } from './errors.ts';

export interface RateLimitOptions {
  /** The length of a window in whole seconds; Okta's windows are a minute long. */
  windowSeconds?: number;
  /**
   * A hundred times Okta's limits, for benchmarks and load tests that measure Tenure rather than
   * Okta's quotas: pacing and 429s then hardly ever come into play.
   */
  fast?: boolean;
  /** Requests allowed per window; a family left out keeps its default (Okta's, or the fast one). */
  limits?: Partial<Record<EndpointFamily, number>>;
}

/** The setting `tenure start` and `tenure okta-emulator` take from TENURE_OKTA_EMULATOR_RATE_LIMITS. */
export const FAST_RATE_LIMITS: RateLimitOptions = { fast: true };

/** What `tenure start` and `tenure okta-emulator` print when the fast setting is on. */
export const FAST_RATE_LIMITS_NOTICE =
  "Okta emulator: FAST rate limits, 100 times Okta's defaults: Tenure's pacing and 429 handling are not exercised (unset TENURE_OKTA_EMULATOR_RATE_LIMITS for Okta's).";

/** Reads TENURE_OKTA_EMULATOR_RATE_LIMITS: `okta` (or unset) for Okta's limits, `fast` for the fast setting. */
export function fastRateLimitsFrom(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'okta') return false;
  if (raw === 'fast') return true;
  throw new Error(`TENURE_OKTA_EMULATOR_RATE_LIMITS must be okta (Okta's default limits) or fast (100 times them), got "${raw}"`);
}

/**
 * Okta's documented default per-minute limits for a Workforce Identity org (developer.okta.com,
 * "Management rate limits"), per endpoint family, so that a client's pacing and 429 handling meet
 * the quotas Okta would enforce.
 */
const OKTA_PER_MINUTE: Record<EndpointFamily, number> = {
  users: 600,
  user: 2000,
  userOperations: 600,
  groups: 500,
  logs: 120,
  eventHooks: 1200,
  token: 2000,
  other: 1200,
};
const FAST_SCALE = 100;
const DEFAULT_WINDOW_SECONDS = 60;

/** What the rate-limit headers of one response say. */
export interface Quota {
  limit: number;
  remaining: number;
  /** When the window ends, in epoch seconds. */
  resetSeconds: number;
}

/** What one family's quota has let through and turned away since the emulator started. */
export interface FamilyUsage {
  limit: number;
  /** Requests the quota let through, whatever was answered to them (an injected fault may still have failed them). */
  served: number;
  /** 429 E0000047 answers, over the quota or forced by an injected fault. */
  rateLimited: number;
}

export interface RateLimitUsage {
  windowSeconds: number;
  families: Record<EndpointFamily, FamilyUsage>;
}

/** A family's current window, and its counts since the emulator started. */
interface Window {
  readonly limit: number;
  start: number;
  used: number;
  served: number;
  rateLimited: number;
}

/**
 * Fixed windows, one per endpoint family, aligned to multiples of the window length since the
 * epoch, so that a window's end is a whole second, as `X-Rate-Limit-Reset` states it. Each request
 * costs a lookup and a comparison, whatever the traffic.
 */
export class RateLimiter {
  private readonly windowMs: number;
  private readonly windows: Record<EndpointFamily, Window>;
  readonly fast: boolean;

  constructor(options: RateLimitOptions = {}) {
    const windowSeconds = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
      throw new Error(`rate limit windowSeconds must be a whole number of seconds, at least 1, got ${windowSeconds}`);
    }
    this.windowMs = windowSeconds * 1000;
    this.fast = options.fast ?? false;
    const scale = this.fast ? FAST_SCALE : 1;
    const windows = {} as Record<EndpointFamily, Window>;
    for (const family of ENDPOINT_FAMILIES) {
      const limit = options.limits?.[family] ?? OKTA_PER_MINUTE[family] * scale;
      if (!Number.isInteger(limit) || limit < 0) throw new Error(`rate limit for ${family} must be a whole number, got ${limit}`);
      windows[family] = { limit, start: 0, used: 0, served: 0, rateLimited: 0 };
    }
    this.windows = windows;
  }

  /** Counts a request against its family's window, unless the window is already used up. */
  take(family: EndpointFamily, nowMs: number): Quota & { allowed: boolean } {
    const window = this.current(family, nowMs);
    const allowed = window.used < window.limit;
    if (allowed) {
      window.used += 1;
      window.served += 1;
    } else {
      window.rateLimited += 1;
    }
    return { ...this.quotaOf(window), allowed };
  }

  /** The quota a forced 429 reports: nothing left until the window ends. The 429 is counted. */
  exhausted(family: EndpointFamily, nowMs: number): Quota {
    const window = this.current(family, nowMs);
    window.rateLimited += 1;
    return { ...this.quotaOf(window), remaining: 0 };
  }

  /** Every family's limit and counts, for load tests that measure how much of the budget they use. */
  usage(): RateLimitUsage {
    const families = {} as Record<EndpointFamily, FamilyUsage>;
    for (const family of ENDPOINT_FAMILIES) {
      const { limit, served, rateLimited } = this.windows[family];
      families[family] = { limit, served, rateLimited };
    }
    return { windowSeconds: this.windowMs / 1000, families };
  }

  private current(family: EndpointFamily, nowMs: number): Window {
    const window = this.windows[family];
    const start = nowMs - (nowMs % this.windowMs);
    if (window.start !== start) {
      window.start = start;
      window.used = 0;
    }
    return window;
  }

  private quotaOf(window: Window): Quota {
    return {
      limit: window.limit,
      remaining: window.limit - window.used,
      resetSeconds: (window.start + this.windowMs) / 1000,
    };
  }
}

export function setRateLimitHeaders(reply: FastifyReply, quota: Quota): void {
  reply.header('x-rate-limit-limit', quota.limit);
  reply.header('x-rate-limit-remaining', quota.remaining);
  reply.header('x-rate-limit-reset', quota.resetSeconds);
}

export const rateLimitExceeded = (): OktaError =>
  new OktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
