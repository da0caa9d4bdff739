import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import { deliverAll } from '../src/identity/deliver.ts';
import type { OktaClient } from '../src/okta/client.ts';
import { isOktaApiError, toActivityError } from '../src/okta/errors.ts';
import type { PolicySet } from '../src/policy/loader.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';
import type { TenureConfig } from '../src/runtime/config.ts';
import { changeFromOktaEvent, OKTA_SOURCE, type OktaLogEvent } from '../src/sources/okta-events.ts';
import { oktaIdentityRecords, oktaIsASource, resolveScope, ScopeGroupNotFound, type OktaScope } from '../src/sources/okta-users.ts';
import { importSnapshot, type ImportSummary } from '../src/sources/snapshot-import.ts';

export interface OktaSourceDependencies {
  client: Client;
  taskQueue: string;
  policySet: PolicySet;
  config: Pick<TenureConfig, 'guard' | 'adminEmail' | 'oktaHookEventTypes' | 'oktaScopeGroup'>;
  okta: OktaClient;
}

/** A pass that did nothing, and why. */
export interface Skipped {
  skipped: string;
}

export interface ReconcileInput {
  /** The moment the pass stands for (its schedule's time): names the import, so a retried pass repeats its event ids. */
  scheduledAt: string;
}

export type ReconcileResult = Skipped | { scope: string; users: number; summary: ImportSummary };

export interface LogPollInput {
  /** ISO instants: the window of `published` times to read, from `since` up to, not including, `until`. */
  since: string;
  until: string;
}

export type LogPollResult = Skipped | {
  events: number;
  delivered: number;
  /** Status changes the user has been moved on from since. */
  superseded: number;
  /** Events Tenure does not act on: a failed attempt, no user target. */
  ignored: number;
};

/** Okta's largest System Log page. */
const LOG_PAGE_SIZE = 1000;

const NO_OKTA_POLICY: Skipped = { skipped: `no loaded policy has source "${OKTA_SOURCE}"` };

/** Okta's filter for events of these types. */
function eventTypeFilter(eventTypes: readonly string[]): string {
  return eventTypes.map((type) => `eventType eq "${type}"`).join(' or ');
}

export function oktaSourceActivities({ client, taskQueue, policySet, config, okta }: OktaSourceDependencies) {
  const inUse = oktaIsASource(policySet);

  function skip(): Skipped {
    Context.current().log.info(`Okta is not a source: ${NO_OKTA_POLICY.skipped}`);
    return NO_OKTA_POLICY;
  }

  /** The scope and the records of its users; a scope group Okta lacks stops the pass for good. */
  async function recordsInScope(): Promise<{ scope: OktaScope; records: IdentityRecord[] }> {
    try {
      const scope = await resolveScope(okta, config.oktaScopeGroup);
      return { scope, records: await oktaIdentityRecords(okta, scope, (users) => Context.current().heartbeat({ users })) };
    } catch (error) {
      if (error instanceof ScopeGroupNotFound) throw ApplicationFailure.nonRetryable(error.message, error.name);
      throw toActivityError(error, 'listing the Okta users in scope');
    }
  }

  /** The System Log events of the configured types in a window, following the `next` links. */
  async function logEvents({ since, until }: LogPollInput): Promise<OktaLogEvent[]> {
    const filter = eventTypeFilter(config.oktaHookEventTypes);
    const events: OktaLogEvent[] = [];
    try {
      for await (const event of await okta.systemLogApi.listLogEvents({ since, until, filter, limit: LOG_PAGE_SIZE })) {
        if (event) events.push(event);
        Context.current().heartbeat({ events: events.length });
      }
    } catch (error) {
      throw toActivityError(error, `reading the Okta System Log from ${since} to ${until}`);
    }
    return events;
  }

  /**
   * The status each user has now, or is on its way to (Okta deactivates asynchronously); a user
   * Okta no longer has is left out.
   */
  async function statusesNow(userIds: Iterable<string>): Promise<Map<string, string>> {
    const statuses = new Map<string, string>();
    for (const userId of new Set(userIds)) {
      try {
        const user = await okta.userApi.getUser({ userId });
        statuses.set(userId, user.transitioningToStatus ?? user.status!);
      } catch (error) {
        if (isOktaApiError(error) && error.status === 404) continue;
        throw toActivityError(error, `reading the status of Okta user ${userId}`);
      }
    }
    return statuses;
  }

  return {
    /**
     * A full pass: every Okta user in scope, compared with what the identity workflows last
     * applied. Users deactivated (DEPROVISIONED), deleted, or gone from the scope group since are
     * leavers. Suspended users are not: the policies' `inactive` names DEPROVISIONED only.
     */
    async reconcileOktaUsers({ scheduledAt }: ReconcileInput): Promise<ReconcileResult> {
      if (!inUse) return skip();
      const { scope, records } = await recordsInScope();
      const { summary } = await importSnapshot(
        { client, taskQueue, policySet, guard: config.guard, admins: config.adminEmail },
        {
          source: OKTA_SOURCE,
          records,
          batchId: `okta-reconcile-${scheduledAt}`,
          now: new Date().toISOString(),
          eventFields: (key) => ({ oktaUserId: key }),
        },
        { onProgress: (delivered) => Context.current().heartbeat({ users: records.length, delivered }) },
      );
      return { scope: scope.group ? `members of ${scope.group.name}` : 'every user', users: records.length, summary };
    },

    /**
     * The events of the configured types published in a window, each handed to its identity
     * workflow as the event hook would: the event's uuid is the change's id, so whichever of the
     * hook delivery and the poll arrives second is dropped. A poll is late by design, so a status
     * change the user has been moved on from since (a deactivation undone by a reactivation) is
     * not delivered: it would take access from someone an administrator just brought back. The
     * next full pass reports the user as Okta has it now.
     */
    async pollOktaSystemLog(window: LogPollInput): Promise<LogPollResult> {
      if (!inUse) return skip();
      const events = await logEvents(window);
      const receivedAt = new Date().toISOString();
      const changes = events.flatMap((event) => changeFromOktaEvent(event, config.oktaHookEventTypes, receivedAt) ?? []);
      const statuses = await statusesNow(changes.filter(({ record }) => record?.status !== undefined).map(({ key }) => key));
      const superseded = ({ key, record }: ChangeEvent) => record?.status !== undefined && statuses.has(key) && statuses.get(key) !== record.status;
      const current = changes.filter((change) => !superseded(change));
      await deliverAll(client, taskQueue, current, (delivered) => Context.current().heartbeat({ events: events.length, delivered }));
      return { events: events.length, delivered: current.length, superseded: changes.length - current.length, ignored: events.length - changes.length };
    },
  };
}

export type OktaSourceActivities = ReturnType<typeof oktaSourceActivities>;
