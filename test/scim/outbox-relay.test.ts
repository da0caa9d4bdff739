import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import { OrderedIdGenerator } from '../../src/emulator/okta/ids.ts';
import type { OutboxEntry } from '../../src/scim/directory/types.ts';
import { changeEventOf, startOutboxRelay, undeliverableReason } from '../../src/scim/outbox-relay.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { deliverChange } from '../../src/identity/deliver.ts';
import { readAdminFile } from '../../src/scim/admin-file.ts';
import { listIntegrations } from '../../src/scim/integrations.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { clientFor, oktaUser, patch, request, startScimFixture, type ScimFixture } from './scim-fixture.ts';

/** The directory's outbox reaches the identity workflows in order, and an outage delays it, never drops it. */

describe('the outbox relay', () => {
  let fixture: ScimFixture;
  beforeAll(async () => {
    fixture = await startScimFixture();
  });
  afterAll(() => fixture?.close());

  it('delivers every change in order as ChangeEvents of scim/<integration>, retrying while delivery fails', async () => {
    const acme = await fixture.integration('acme');
    const id = (await acme.call('POST', '/Users', oktaUser('ana@example.com', 'Ana', 'Lima'))).body.id;
    await acme.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: false } }));
    await acme.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: true } }));
    await acme.call('DELETE', `/Users/${id}`);
    const pending = await fixture.directory.pendingChanges(100);
    expect(pending).toHaveLength(4);

    // Temporal is down for the first three attempts.
    let outage = 3;
    const delivered: ChangeEvent[] = [];
    const relay = startOutboxRelay({
      directory: fixture.directory,
      deliver: async (event) => {
        if (outage-- > 0) throw new Error('14 UNAVAILABLE: connection refused');
        delivered.push(event);
      },
      backoffMs: 1,
      maxBackoffMs: 4,
    });
    try {
      await eventually(async () => expect(await fixture.directory.pendingChanges(100)).toEqual([]));
    } finally {
      await relay.stop();
    }
    expect(delivered.map((event) => [event.source, event.key, event.eventId, event.record?.active ?? null])).toEqual([
      ['scim/acme', id, `scim:acme:${pending[0]!.seq}`, true],
      ['scim/acme', id, `scim:acme:${pending[1]!.seq}`, false],
      ['scim/acme', id, `scim:acme:${pending[2]!.seq}`, true],
      ['scim/acme', id, `scim:acme:${pending[3]!.seq}`, null],
    ]);
    expect(delivered[0]!.record).toMatchObject({ userName: 'ana@example.com', givenName: 'Ana', groups: [] });
  });

  it('a write triggers delivery at once, without waiting for the sweep', async () => {
    const delivered: string[] = [];
    const relay = startOutboxRelay({ directory: fixture.directory, deliver: async (event) => void delivered.push(event.eventId), intervalMs: 3_600_000 });
    try {
      await relay.idle();
      const globex = await fixture.integration('globex');
      await globex.call('POST', '/Users', oktaUser('bo@example.com', 'Bo', 'X'));
      relay.trigger();
      await relay.idle();
      expect(delivered.at(-1)).toMatch(/^scim:globex:\d+$/);
      expect(await fixture.directory.pendingChanges(100)).toEqual([]);
    } finally {
      await relay.stop();
    }
  });
});

describe('what the relay sets aside', () => {
  /** An error as Temporal's client reports a gRPC status. */
  const grpc = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: {} });

  it('only what can never be delivered: an event too large, not a namespace still being set up', () => {
    expect(undeliverableReason(grpc(3, 'Blob data size exceeds limit.'))).toMatch(/too large/);
    expect(undeliverableReason(new Error('signalWithStart failed', { cause: grpc(8, 'Received message larger than max (5000000 vs. 4194304)') }))).toBeDefined();
    // Right after ensureSearchAttributes, a frontend may not know them yet: a wait, not a loss.
    expect(undeliverableReason(grpc(3, 'Namespace default has no mapping defined for search attribute IdentityKey'))).toBeUndefined();
    expect(undeliverableReason(grpc(14, 'No connection established'))).toBeUndefined();
  });
});

describe("a change's Okta user", () => {
  const entry = (externalId: string | undefined): OutboxEntry => ({
    seq: 7,
    integration: 'okta',
    userId: 'a-scim-id',
    record: { userName: 'ana@example.com', active: true, groups: [], ...(externalId === undefined ? {} : { externalId }) },
    createdAt: new Date(0).toISOString(),
  });

  it("is the externalId when it has the shape of an Okta user id (Okta's push sends it), as the emulator makes them", () => {
    const oktaId = new OrderedIdGenerator('00u').next();
    expect(oktaId).toMatch(/^00u[A-Za-z0-9]{17}$/);
    expect(changeEventOf(entry(oktaId)).oktaUserId).toBe(oktaId);
  });

  it('is left unset for any other externalId, none, and a deleted user', () => {
    for (const other of ['00u123', `00g${'a'.repeat(17)}`, `00u${'a'.repeat(16)}-`, `00u${'a'.repeat(18)}`, 'EMP-1001', undefined]) {
      expect(changeEventOf(entry(other))).not.toHaveProperty('oktaUserId');
    }
    expect(changeEventOf({ ...entry(undefined), record: null })).not.toHaveProperty('oktaUserId');
  });
});

describe('on the real stack (Temporal dev server, worker, intake)', () => {
  let stack: TenureStack;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tenure-scim-stack-'));
    stack = await startTestStack({ dataDir });
  }, 180_000);
  afterAll(() => stack?.stop());

  it("a SCIM POST to the intake reaches the user's identity workflow with its record", async () => {
    // As `tenure scim add` does while the intake holds the embedded directory: through its admin route.
    const admin = await readAdminFile(dataDir);
    expect(admin?.url).toBe(stack.intakeUrl);
    const added = await request(`${admin!.url}/scim-admin/v1/integrations`, 'POST', { name: 'acme' }, { authorization: `Bearer ${admin!.secret}`, 'content-type': 'application/json' });
    expect(added.status).toBe(201);
    const acme = clientFor(stack.intakeUrl!, 'acme', added.body.token);
    const created = await acme.call('POST', '/Users', oktaUser('ana@example.com', 'Ana', 'Lima'));
    expect(created.status).toBe(201);
    const handle = stack.client.workflow.getHandle(identityWorkflowId('scim/acme', created.body.id));
    const status = await eventually(async () => {
      const now = await handle.query(statusQuery);
      expect(now.applied + (now.lastError ? 1 : 0)).toBeGreaterThan(0);
      return now;
    });
    expect(status.lastError).toBeUndefined();
    expect(status.record).toMatchObject({ id: created.body.id, userName: 'ana@example.com', givenName: 'Ana', active: true });
  }, 120_000);

  it("removing an integration reaches every user's identity as a leaver (a null record), as deleting each user would", async () => {
    const admin = (await readAdminFile(dataDir))!;
    const adminCall = (method: string, route: string, body?: unknown) =>
      request(`${admin.url}/scim-admin/v1/integrations${route}`, method, body, { authorization: `Bearer ${admin.secret}`, ...(body ? { 'content-type': 'application/json' } : {}) });
    const added = await adminCall('POST', '', { name: 'leaving' });
    const leaving = clientFor(stack.intakeUrl!, 'leaving', added.body.token);
    const ids = [
      (await leaving.call('POST', '/Users', oktaUser('lea@example.com', 'Lea', 'Ving'))).body.id as string,
      (await leaving.call('POST', '/Users', oktaUser('ray@example.com', 'Ray', 'Ving', { active: false }))).body.id as string,
    ];
    const statusOf = (id: string) => stack.client.workflow.getHandle(identityWorkflowId('scim/leaving', id)).query(statusQuery);
    for (const id of ids) await eventually(async () => expect((await statusOf(id)).record).toMatchObject({ id }));
    expect(await adminCall('DELETE', '/leaving')).toMatchObject({ status: 200, body: { leavers: 2 } });
    for (const id of ids) {
      const status = await eventually(async () => {
        const now = await statusOf(id);
        expect(now.record).toBeNull();
        return now;
      });
      expect(status.lastError).toBeUndefined();
    }
  }, 120_000);

  it('a change Temporal refuses for good is set aside, counted and logged without personal data; the changes after it flow', async () => {
    // A directory of its own, relayed to the stack's Temporal: the stack's own holds its data folder.
    const fixture = await startScimFixture();
    const lines: string[] = [];
    try {
      await fixture.directory.createIntegration('big', 'not-a-real-hash');
      // Past the SCIM layer's length caps (the directory itself takes any size): a record over
      // Temporal's 2 MB payload limit, as a row written before the caps, or a user in thousands of groups, would be.
      const huge = await fixture.directory.createUser('big', { userName: 'huge@example.com', externalId: undefined, active: true, resource: { title: 'T'.repeat(3 * 1024 * 1024) } });
      const after = await fixture.directory.createUser('big', { userName: 'after@example.com', externalId: undefined, active: true, resource: {} });
      const relay = startOutboxRelay({
        directory: fixture.directory,
        deliver: (event) => deliverChange(stack.client, stack.taskQueue, event),
        log: (line) => lines.push(line),
        backoffMs: 10,
      });
      try {
        await eventually(async () => expect(await fixture.directory.pendingChanges(100)).toEqual([]));
      } finally {
        await relay.stop();
      }
      const status = await eventually(async () => {
        const now = await stack.client.workflow.getHandle(identityWorkflowId('scim/big', after.id)).query(statusQuery);
        expect(now.record).toMatchObject({ userName: 'after@example.com' });
        return now;
      });
      expect(status.lastError).toBeUndefined();
      expect((await listIntegrations(fixture.directory)).find((each) => each.name === 'big')).toMatchObject({ undeliverableChanges: 1 });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`scim/big/${huge.id}`);
      expect(lines[0]).not.toContain('huge@example.com');
      expect(lines[0]).not.toContain('TTTT');
    } finally {
      await fixture.close();
    }
  }, 120_000);
});
