import type { LogEvent as SdkLogEvent } from '@okta/okta-sdk-nodejs';
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, runInRequestContext } from '../../src/emulator/okta/context.ts';
import { parseLogQuery, queryLog, type RawLogQuery } from '../../src/emulator/okta/log-query.ts';
import { SystemLog, type LogTarget } from '../../src/emulator/okta/system-log.ts';
import { expectOktaError, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A System Log on a clock the test moves by hand. */
function clockedLog() {
  let now = Date.parse('2024-05-01T00:00:00.000Z');
  const log = new SystemLog({ clock: () => new Date(now) });
  return {
    log,
    advance(ms: number) {
      now += ms;
    },
    page(raw: RawLogQuery) {
      return queryLog(log.all(), parseLogQuery(raw, log.all().length), log.now());
    },
  };
}

const alice: LogTarget = {
  id: '00uAlice',
  type: 'User',
  alternateId: 'alice.smith-jones@example.com',
  displayName: 'Alice Smith-Jones',
};
const bob: LogTarget = { id: '00uBob', type: 'User', alternateId: 'bob@example.com', displayName: 'Bob Stone' };
const sales: LogTarget = { id: '00gSales', type: 'UserGroup', alternateId: 'unknown', displayName: 'Sales' };

function append(log: SystemLog, eventType: string, target: LogTarget[] = [alice]) {
  return log.append({ eventType, displayMessage: eventType, target });
}

const ids = (events: readonly { uuid?: string }[]) => events.map((event) => event.uuid);

describe('System Log queries', () => {
  it('bounds a query by publication time: since inclusive, until exclusive', () => {
    const { log, advance, page } = clockedLog();
    const first = append(log, 'user.lifecycle.create');
    advance(MINUTE);
    const second = append(log, 'user.lifecycle.activate');
    advance(MINUTE);
    append(log, 'user.lifecycle.suspend');

    const result = page({ since: second.published, until: new Date(Date.parse(second.published) + MINUTE).toISOString() });
    expect(ids(result.events)).toEqual([second.uuid]);
    expect(ids(page({ since: first.published, until: second.published }).events)).toEqual([first.uuid]);
  });

  it('looks back seven days before until when since is left out', () => {
    const { log, advance, page } = clockedLog();
    const old = append(log, 'user.lifecycle.create');
    advance(8 * DAY);
    const recent = append(log, 'user.lifecycle.activate');

    expect(ids(page({}).events)).toEqual([recent.uuid]);
    expect(ids(page({ until: new Date(Date.parse(old.published) + DAY).toISOString() }).events)).toEqual([old.uuid]);
  });

  it('reads dates with an offset, without a zone (UTC) or without a time', () => {
    const { log, advance, page } = clockedLog();
    advance(2 * 60 * MINUTE);
    const event = append(log, 'user.lifecycle.create');
    expect(ids(page({ since: '2024-05-01T03:00:00+01:00' }).events)).toEqual([event.uuid]);
    expect(ids(page({ since: '2024-05-01T02:00:01' }).events)).toEqual([]);
    expect(ids(page({ since: '2024-05-01' }).events)).toEqual([event.uuid]);
  });

  it('pages a polling request forever, each cursor finding only events published after it', () => {
    const { log, page } = clockedLog();
    const events = [append(log, 'a.one'), append(log, 'a.two'), append(log, 'a.three')];

    const first = page({ limit: '2' });
    expect(ids(first.events)).toEqual(ids(events.slice(0, 2)));
    const second = page({ limit: '2', after: first.nextAfter });
    expect(ids(second.events)).toEqual([events[2]!.uuid]);
    const empty = page({ limit: '2', after: second.nextAfter });
    expect(empty.events).toEqual([]);
    expect(empty.nextAfter).toBeDefined();

    const later = append(log, 'a.four');
    expect(ids(page({ limit: '2', after: empty.nextAfter }).events)).toEqual([later.uuid]);
  });

  it('ends a bounded request on its last page, also when that page is full', () => {
    const { log, advance, page } = clockedLog();
    const events = [append(log, 'b.one'), append(log, 'b.two'), append(log, 'b.three'), append(log, 'b.four')];
    const until = new Date(Date.parse(events[3]!.published) + 1).toISOString();
    advance(MINUTE);
    append(log, 'b.after-until');

    const first = page({ until, limit: '2' });
    expect(ids(first.events)).toEqual(ids(events.slice(0, 2)));
    const last = page({ until, limit: '2', after: first.nextAfter });
    expect(ids(last.events)).toEqual(ids(events.slice(2)));
    expect(last.nextAfter).toBeUndefined();
  });

  it('pages newest first in DESCENDING order, which is always bounded', () => {
    const { log, page } = clockedLog();
    const events = [append(log, 'c.one'), append(log, 'c.two'), append(log, 'c.three')];

    const first = page({ sortOrder: 'DESCENDING', limit: '2' });
    expect(ids(first.events)).toEqual([events[2]!.uuid, events[1]!.uuid]);
    append(log, 'c.four');
    const last = page({ sortOrder: 'DESCENDING', limit: '2', after: first.nextAfter });
    expect(ids(last.events)).toEqual([events[0]!.uuid]);
    expect(last.nextAfter).toBeUndefined();
  });

  it('filters on eventType, target.id, actor.id and outcome.result, joined by and / or', () => {
    const { log, page } = clockedLog();
    const created = append(log, 'user.lifecycle.create', [alice]);
    const added = append(log, 'group.user_membership.add', [bob, sales]);
    const failed = log.append({
      eventType: 'group.user_membership.add',
      displayMessage: 'Add user to group membership',
      target: [alice, sales],
      outcome: { result: 'FAILURE', reason: 'no such group' },
    });
    const actor = { ...SYSTEM_ACTOR, id: '00uAdmin', type: 'User' as const };
    const byAdmin = runInRequestContext({ requestId: 'r1', actor, ipAddress: '10.0.0.1', userAgent: 'test' }, () =>
      append(log, 'user.lifecycle.deactivate', [bob]),
    );

    expect(ids(page({ filter: 'eventType eq "group.user_membership.add"' }).events)).toEqual([added.uuid, failed.uuid]);
    expect(ids(page({ filter: 'target.id eq "00gSales" and target.id eq "00uBob"' }).events)).toEqual([added.uuid]);
    expect(ids(page({ filter: 'outcome.result eq "FAILURE"' }).events)).toEqual([failed.uuid]);
    expect(ids(page({ filter: 'actor.id eq "00uAdmin"' }).events)).toEqual([byAdmin.uuid]);
    const createdOrFailed = '(eventType eq "user.lifecycle.create" or outcome.result eq "FAILURE") and target.id eq "00uAlice"';
    expect(ids(page({ filter: createdOrFailed }).events)).toEqual([created.uuid, failed.uuid]);
    expect(ids(page({ filter: 'eventType sw "user.lifecycle"' }).events)).toEqual([created.uuid, byAdmin.uuid]);
  });

  it('matches q keywords against whole words of any value, ignoring case, and the parts of hyphenated ones', () => {
    const { log, page } = clockedLog();
    const aliceEvent = append(log, 'user.lifecycle.create', [alice]);
    const bobEvent = append(log, 'user.lifecycle.create', [bob]);

    expect(ids(page({ q: 'bob stone' }).events)).toEqual([bobEvent.uuid]);
    expect(ids(page({ q: 'SMITH' }).events)).toEqual([aliceEvent.uuid]);
    expect(ids(page({ q: 'Smith-Jones' }).events)).toEqual([aliceEvent.uuid]);
    expect(ids(page({ q: 'alice.smith-jones@example.com' }).events)).toEqual([aliceEvent.uuid]);
    expect(ids(page({ q: 'sto' }).events)).toEqual([]);
    expect(ids(page({ q: 'bob alice' }).events)).toEqual([]);
  });

  it('keeps the default of 100 events a page and caps limit at 1000', () => {
    const { log, page } = clockedLog();
    for (let i = 0; i < 1001; i++) append(log, 'd.many');
    expect(page({}).events).toHaveLength(100);
    expect(page({ limit: '5000' }).events).toHaveLength(1000);
  });
});

describe('GET /api/v1/logs', () => {
  const env = useOktaEmulator();

  /** An event hook the emulator never calls; creating and changing one writes to the log. */
  async function newHook(name: string) {
    const hook = await env.client.eventHookApi.createEventHook({
      eventHook: {
        name,
        events: { type: 'EVENT_TYPE', items: ['user.lifecycle.create'] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri: 'https://hooks.example.com/okta' } },
      },
    });
    return hook.id!;
  }

  function linksOf(response: { headers: { get(name: string): string | null } }): Record<string, string> {
    const links: Record<string, string> = {};
    for (const match of (response.headers.get('link') ?? '').matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)) {
      links[match[2]!] = match[1]!;
    }
    return links;
  }

  const pathOf = (url: string) => url.slice(env.emulator.url.length);

  async function collect(list: Promise<AsyncIterable<SdkLogEvent | null>>): Promise<SdkLogEvent[]> {
    const events: SdkLogEvent[] = [];
    for await (const event of await list) events.push(event!);
    return events;
  }

  it('always links a polling request to its next page, even when it found nothing', async () => {
    const hookId = await newHook('Polling');
    const response = await rawRequest(env, `/api/v1/logs?filter=${encodeURIComponent(`target.id eq "${hookId}"`)}`);
    expect(response.status).toBe(200);
    expect((await response.json()).map((event: SdkLogEvent) => event.eventType)).toEqual(['event_hook.created']);
    const links = linksOf(response);
    expect(links.self).toBe(`${env.emulator.url}/api/v1/logs?filter=${encodeURIComponent(`target.id eq "${hookId}"`)}`);
    expect(links.next).toMatch(new RegExp(`^${env.emulator.url}/api/v1/logs\\?`));

    const empty = await rawRequest(env, pathOf(links.next!));
    expect(await empty.json()).toEqual([]);
    const next = linksOf(empty).next;
    expect(next).toBeDefined();

    await env.client.eventHookApi.deactivateEventHook({ eventHookId: hookId });
    const later = await rawRequest(env, pathOf(next!));
    expect((await later.json()).map((event: SdkLogEvent) => event.eventType)).toEqual(['event_hook.deactivated']);
    expect(linksOf(later).next).toBeDefined();
  });

  it('ends a bounded request: its last page has no next link', async () => {
    const hookId = await newHook('Bounded');
    const until = encodeURIComponent(new Date(Date.now() + DAY).toISOString());
    const filter = encodeURIComponent(`target.id eq "${hookId}"`);
    const response = await rawRequest(env, `/api/v1/logs?until=${until}&filter=${filter}`);
    expect(await response.json()).toHaveLength(1);
    expect(Object.keys(linksOf(response))).toEqual(['self']);
  });

  it('pages a bounded request through the SDK, ascending and descending', async () => {
    const hookIds = [await newHook('Paged one'), await newHook('Paged two'), await newHook('Paged three')];
    const filter = hookIds.map((id) => `target.id eq "${id}"`).join(' or ');
    const until = new Date(Date.now() + DAY).toISOString();

    const ascending = await collect(env.client.systemLogApi.listLogEvents({ filter, until, limit: 1 }));
    expect(ascending.map((event) => event.target?.[0]?.id)).toEqual(hookIds);
    expect(ascending.map((event) => event.eventType)).toEqual(Array(3).fill('event_hook.created'));
    expect(ascending[0]).toMatchObject({ version: '0', severity: 'INFO', outcome: { result: 'SUCCESS' } });

    const descending = await collect(
      env.client.systemLogApi.listLogEvents({ filter, until, limit: 2, sortOrder: 'DESCENDING' }),
    );
    expect(descending.map((event) => event.target?.[0]?.id)).toEqual([...hookIds].reverse());
  });

  it('polls through the SDK: an exhausted collection picks up events published later', async () => {
    const hookId = await newHook('Polled');
    const collection = await env.client.systemLogApi.listLogEvents({ filter: `target.id eq "${hookId}"` });

    expect((await collection.next()).value?.eventType).toBe('event_hook.created');
    expect(await collection.next()).toEqual({ value: null, done: false });
    await env.client.eventHookApi.deactivateEventHook({ eventHookId: hookId });
    expect((await collection.next()).value?.eventType).toBe('event_hook.deactivated');
  });

  it('finds events by keyword', async () => {
    const hookId = await newHook('Keyword Searchable');
    const found = await collect(
      env.client.systemLogApi.listLogEvents({ q: 'searchable', until: new Date(Date.now() + DAY).toISOString() }),
    );
    expect(found.map((event) => event.target?.[0]?.id)).toEqual([hookId]);
  });

  it('logs user changes made through the API', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() }, activate: false });
    const events = await collect(
      env.client.systemLogApi.listLogEvents({
        filter: `target.id eq "${user.id}"`,
        until: new Date(Date.now() + DAY).toISOString(),
      }),
    );
    expect(events.map((event) => event.eventType)).toEqual(['user.lifecycle.create']);
  });

  async function firstPage(query: Parameters<typeof env.client.systemLogApi.listLogEvents>[0]) {
    return (await env.client.systemLogApi.listLogEvents(query)).next();
  }

  it('refuses a since or until that is not an ISO 8601 date', async () => {
    const unrecognized = 'The date format in your query is not recognized. Please enter dates using ISO8601 string format.';
    for (const parameter of ['since', 'until'] as const) {
      await expectOktaError(firstPage({ [parameter]: '01-01-2017' }), {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: `Api validation failed: '${parameter}': ${unrecognized}. '${parameter}': must be a valid date-time or empty.`,
        causes: [`${parameter}: ${unrecognized}`, `${parameter}: must be a valid date-time or empty.`],
      });
    }
  });

  it('refuses a filter it cannot read, or one on published', async () => {
    for (const filter of ['eventType eqq "x"', 'published gt "2024-01-01T00:00:00Z"', 'nonsense eq "x"']) {
      await expectOktaError(firstPage({ filter }), {
        status: 400,
        errorCode: 'E0000031',
        errorSummary: 'Invalid search criteria.',
      });
    }
  });

  it('refuses a keyword longer than 40 characters', async () => {
    await expectOktaError(firstPage({ q: 'x'.repeat(41) }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary:
        "Api validation failed: 'q': Freeform search cannot contain items longer than 40 characters. " +
        'Please shorten the items in your search or use an advanced filter to query by specific fields.',
    });
  });

  it('refuses an unknown sort order and a cursor it did not hand out', async () => {
    await expectOktaError(firstPage({ sortOrder: 'SIDEWAYS' as 'ASCENDING' }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: sortOrder',
      causes: ['sortOrder: Must be one of ASCENDING, DESCENDING'],
    });
    await expectOktaError(firstPage({ after: 'not-a-cursor' }), {
      status: 400,
      errorCode: 'E0000029',
      errorSummary: 'Invalid paging request.',
    });
  });
});
