import { beforeAll, describe, expect, it } from 'vitest';
import type { OktaClient } from '../../src/okta/client.ts';
import type { UserStatus } from '../../src/emulator/okta/lifecycle.ts';
import { SUPER_ADMIN_ID } from '../../src/emulator/okta/super-admin.ts';
import { identityRecordOf, oktaIdentityRecords, resolveScope, ScopeGroupNotFound, type ListedOktaUser } from '../../src/sources/okta-users.ts';
import { newProfile, useOktaEmulator } from '../emulator/okta-fixture.ts';

describe('an Okta user as an identity record', () => {
  it('holds the id, the status, when it changed, and every non-empty profile value', () => {
    const record = identityRecordOf({
      id: '00u1',
      status: 'ACTIVE',
      statusChanged: new Date('2026-11-24T09:00:00.000Z'),
      profile: {
        login: 'zoe@example.com',
        firstName: 'Zoë',
        department: '',
        title: null,
        manager: undefined,
        costCenter: 4711,
        contractor: false,
        languages: ['en', 'sv', '', null],
        badges: [],
      },
    });
    expect(record).toEqual({
      id: '00u1',
      status: 'ACTIVE',
      statusChanged: '2026-11-24T09:00:00.000Z',
      login: 'zoe@example.com',
      firstName: 'Zoë',
      costCenter: 4711,
      contractor: false,
      languages: 'en, sv',
    });
  });

  it('leaves out when the status changed for a user that never had one (STAGED)', () => {
    expect(identityRecordOf({ id: '00u2', status: 'STAGED', statusChanged: null, profile: { login: 'a@example.com' } })).toEqual({
      id: '00u2',
      status: 'STAGED',
      login: 'a@example.com',
    });
  });

  it('keeps the user\'s own id and status over profile attributes of the same name', () => {
    const record = identityRecordOf({ id: '00u3', status: 'DEPROVISIONED', profile: { status: 'active', id: 'E1001' } });
    expect(record).toMatchObject({ id: '00u3', status: 'DEPROVISIONED' });
  });
});

describe('the Okta users in scope', () => {
  const env = useOktaEmulator();
  let okta: OktaClient;
  const ids: Record<string, string> = {};

  /** A user added as a seed does it, in any status, for speed. */
  function seed(name: string, status: UserStatus, groupIds: string[] = []): string {
    const user = env.emulator.store.seedUser({ profile: newProfile({ nickName: name }), status, hasPassword: true, groupIds });
    ids[name] = user.id;
    return user.id;
  }

  const byId = (records: Array<Record<string, unknown>>) => new Map(records.map((record) => [record.id as string, record]));

  beforeAll(() => {
    okta = env.client;
    const engineering = env.emulator.store.createGroup({ name: 'Engineering' });
    const eng = env.emulator.store.createGroup({ name: 'Eng' });
    ids.engineering = engineering.id;
    seed('ada', 'ACTIVE', [engineering.id]);
    seed('bob', 'SUSPENDED', [engineering.id]);
    seed('cy', 'DEPROVISIONED', [engineering.id]);
    seed('dee', 'ACTIVE', [eng.id]);
    seed('eve', 'DEPROVISIONED');
    // Enough users for the org-wide list to take several pages of 200.
    for (let index = 0; index < 450; index++) seed(`bulk${index}`, 'ACTIVE');
  });

  it('are every user, deactivated ones too, across every page', async () => {
    const records = byId(await oktaIdentityRecords(okta, await resolveScope(okta, undefined)));
    // The 455 seeded here and the org's super admin: with no scope group, Tenure's scope is every user.
    expect(records.size).toBe(456);
    expect(records.get(SUPER_ADMIN_ID)).toMatchObject({ login: 'admin@emulator.okta.local' });
    expect(records.get(ids.eve!)).toMatchObject({ status: 'DEPROVISIONED', nickName: 'eve' });
    expect(records.get(ids.bob!)).toMatchObject({ status: 'SUSPENDED' });
    expect(records.get(ids.bulk449!)).toMatchObject({ status: 'ACTIVE' });
  });

  it('are the members of the scope group, named exactly, in any status', async () => {
    const scope = await resolveScope(okta, 'engineering');
    expect(scope.group).toEqual({ id: ids.engineering, name: 'Engineering' });
    const records = byId(await oktaIdentityRecords(okta, scope));
    expect([...records.keys()].sort()).toEqual([ids.ada, ids.bob, ids.cy].sort());
    expect(records.get(ids.cy!)).toMatchObject({ status: 'DEPROVISIONED' });
  });

  it('are the members of the scope group given by id', async () => {
    const records = await oktaIdentityRecords(okta, await resolveScope(okta, ids.engineering));
    expect(records.map(({ id }) => id).sort()).toEqual([ids.ada, ids.bob, ids.cy].sort());
  });

  it('reports each user it has read, for the activity to heartbeat', async () => {
    const counts: number[] = [];
    await oktaIdentityRecords(okta, await resolveScope(okta, 'Engineering'), (count) => counts.push(count));
    expect(counts).toEqual([1, 2, 3]);
  });

  it('cannot be a scope group Okta does not have: that is an error, never an empty scope', async () => {
    await expect(resolveScope(okta, 'Engineers')).rejects.toThrow(ScopeGroupNotFound);
    await expect(resolveScope(okta, 'Engineers')).rejects.toThrow('the Okta scope group "Engineers" (TENURE_OKTA_SCOPE_GROUP) does not exist');
    await expect(resolveScope(okta, '00g0000000000000000x')).rejects.toThrow(ScopeGroupNotFound);
  });
});

describe('a user both org-wide lists return', () => {
  /** A client whose lists answer as Okta would if the user was reactivated between the two. */
  function reactivatedBetweenLists(): OktaClient {
    const listings: Record<string, ListedOktaUser[]> = {
      deprovisioned: [{ id: '00u9', status: 'DEPROVISIONED', profile: { login: 'x@example.com' } }],
      rest: [{ id: '00u9', status: 'ACTIVE', profile: { login: 'x@example.com' } }],
    };
    const listUsers = async ({ search }: { search?: string }) => listings[search ? 'deprovisioned' : 'rest']!;
    return { userApi: { listUsers } } as unknown as OktaClient;
  }

  it('counts once, as the later list saw it', async () => {
    expect(await oktaIdentityRecords(reactivatedBetweenLists(), { group: undefined })).toEqual([{ id: '00u9', status: 'ACTIVE', login: 'x@example.com' }]);
  });
});
