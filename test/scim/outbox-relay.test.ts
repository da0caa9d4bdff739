import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import { startOutboxRelay } from '../../src/scim/outbox-relay.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { readAdminFile } from '../../src/scim/admin-file.ts';
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
});
