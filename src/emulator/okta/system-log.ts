import { randomUUID } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { SYSTEM_ACTOR, currentRequestContext, type LogActor, type RequestContext } from './context.ts';

/** An object a LogEvent is about: a user, a group, an event hook … */
export interface LogTarget {
  id: string;
  type: 'User' | 'UserGroup' | 'EventHook' | 'AppInstance';
  alternateId: string;
  displayName: string;
}

/**
 * How the actor proved who they are. The emulator has no sign-in sessions: API calls carry no
 * session, as Okta records them.
 */
export interface AuthenticationContext {
  authenticationStep: 0;
  externalSessionId: string;
  credentialType?: 'OAuth 2.0';
  issuer?: { id: string; type: 'OAUTH2' };
}

/** The IP reputation Okta adds; a loopback or private address has none, which Okta gives as nulls. */
export interface SecurityContext {
  asNumber: null;
  asOrg: null;
  isp: null;
  domain: null;
  isProxy: null;
}

export interface LogIpAddress {
  ip: string;
  version: 'V4' | 'V6';
}

/** One entry of Okta's System Log, in the shape `GET /api/v1/logs` answers. */
export interface LogEvent {
  uuid: string;
  published: string;
  eventType: string;
  version: '0';
  severity: 'INFO' | 'WARN';
  displayMessage: string;
  actor: LogActor;
  client: { ipAddress: string; userAgent: { rawUserAgent: string } };
  authenticationContext: AuthenticationContext;
  securityContext: SecurityContext;
  /** Empty for a change no HTTP request made, as Okta leaves it. */
  request: { ipChain: LogIpAddress[] };
  outcome: { result: 'SUCCESS' | 'FAILURE'; reason: string | null };
  target: LogTarget[];
  transaction: { type: 'WEB'; id: string; detail: Record<string, unknown> };
  debugContext: { debugData: Record<string, unknown> };
  legacyEventType: string | null;
}

export interface LogEntryInput {
  eventType: string;
  displayMessage: string;
  target: LogTarget[];
  outcome?: LogEvent['outcome'];
  legacyEventType?: string;
}

const NO_REPUTATION: SecurityContext = { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null };

function authenticationContextOf(context: RequestContext | undefined): AuthenticationContext {
  const base = { authenticationStep: 0, externalSessionId: 'unknown' } as const;
  if (context?.actor.type !== 'PublicClientApp') return base;
  return { ...base, credentialType: 'OAuth 2.0', issuer: { id: context.actor.id, type: 'OAUTH2' } };
}

function ipChainOf(context: RequestContext | undefined): LogIpAddress[] {
  if (!context) return [];
  return [{ ip: context.ipAddress, version: isIPv6(context.ipAddress) ? 'V6' : 'V4' }];
}

export type LogListener = (event: LogEvent) => void;

export interface SystemLogOptions {
  /** The org's clock. Tests pass their own to place events in time without waiting. */
  clock?: () => Date;
}

/**
 * The org's System Log: an append-only list of events in publication order. Every change the
 * emulator makes appends here; `GET /api/v1/logs` reads it and event hooks subscribe to it.
 */
export class SystemLog {
  private readonly entries: LogEvent[] = [];
  private readonly listeners = new Set<LogListener>();
  private readonly clock: () => Date;

  constructor(options: SystemLogOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The org's current time, by which events are published and queries are bounded. */
  now(): Date {
    return this.clock();
  }

  append(input: LogEntryInput): LogEvent {
    const context = currentRequestContext();
    const event: LogEvent = {
      uuid: randomUUID(),
      published: this.now().toISOString(),
      eventType: input.eventType,
      version: '0',
      severity: 'INFO',
      displayMessage: input.displayMessage,
      actor: context?.actor ?? SYSTEM_ACTOR,
      client: {
        ipAddress: context?.ipAddress ?? '127.0.0.1',
        userAgent: { rawUserAgent: context?.userAgent ?? 'okta-emulator' },
      },
      authenticationContext: authenticationContextOf(context),
      securityContext: { ...NO_REPUTATION },
      request: { ipChain: ipChainOf(context) },
      outcome: input.outcome ?? { result: 'SUCCESS', reason: null },
      target: input.target,
      transaction: { type: 'WEB', id: context?.requestId ?? 'system', detail: {} },
      debugContext: { debugData: context ? { requestId: context.requestId } : {} },
      legacyEventType: input.legacyEventType ?? null,
    };
    this.entries.push(event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Every event so far, oldest first. Entries are never removed, so an event's index is stable. */
  all(): readonly LogEvent[] {
    return this.entries;
  }

  /** Calls `listener` for each event appended from now on; returns the unsubscribe function. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
