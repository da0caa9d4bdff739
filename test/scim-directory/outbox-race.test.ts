import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScimDirectory } from '../../src/scim/directory/open.ts';
import { policyRecord } from '../../src/scim/directory/policy-record.ts';
import type { OutboxEntry, ScimDirectory } from '../../src/scim/directory/types.ts';
import { postgresEngine } from './engines.ts';

/**
 * PostgreSQL runs transactions side by side under READ COMMITTED (PGlite, one connection, never
 * does): a group renamed or deleted while a member is deactivated must still leave, as that user's
 * last outbox row, the record a GET reads afterwards. Otherwise the identity workflow's last word
 * about the user is a state that was never committed (say, active again, or still in the group).
 */

const ROUNDS = 300;
const AT_ONCE = 10;

describe('the outbox on PostgreSQL, under concurrent group and user changes', () => {
  const engine = postgresEngine();
  let directory: ScimDirectory;
  beforeAll(async () => {
    directory = await openScimDirectory(await engine.options());
    await directory.createIntegration('acme', 'not-a-real-hash');
  }, 60_000);
  afterAll(async () => {
    await directory?.close();
    await engine.cleanUp();
  });

  /** One user in two groups; then, at the same time, one group renamed or deleted and the user deactivated. */
  async function round(index: number): Promise<string> {
    const user = await directory.createUser('acme', { userName: `user-${index}@example.com`, externalId: undefined, active: true, resource: {} });
    const racing = await directory.createGroup('acme', { displayName: `Racing ${index}`, externalId: undefined, members: [user.id] });
    await directory.createGroup('acme', { displayName: `Staying ${index}`, externalId: undefined, members: [user.id] });
    const groupChange =
      index % 2 === 0
        ? directory.deleteGroup('acme', racing.id)
        : directory.updateGroup('acme', racing.id, (current) => ({ ...current, displayName: `Renamed ${index}`, members: current.members.map((m) => m.value) }));
    await Promise.all([groupChange, directory.updateUser('acme', user.id, (current) => ({ ...current, active: false }))]);
    return user.id;
  }

  it(`the last outbox row of each user is what GET returns (${ROUNDS} races)`, async () => {
    const ids: string[] = [];
    for (let start = 0; start < ROUNDS; start += AT_ONCE) {
      ids.push(...(await Promise.all(Array.from({ length: AT_ONCE }, (_, offset) => round(start + offset)))));
    }
    const last = new Map<string, OutboxEntry['record']>();
    for (const entry of await directory.pendingChanges(1_000_000)) last.set(entry.userId, entry.record);
    const stale: string[] = [];
    for (const id of ids) {
      const user = (await directory.getUser('acme', id))!;
      const groups = (await directory.groupsOf('acme', id)).map((group) => group.display!);
      // jsonb keeps keys in its own order, so the records compare as values, not as text.
      if (!isDeepStrictEqual(last.get(id), policyRecord(user, groups))) stale.push(id);
    }
    expect(stale).toEqual([]);
  }, 240_000);
});
