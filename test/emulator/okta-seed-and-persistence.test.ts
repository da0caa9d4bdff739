import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadState, persistState } from '../../src/emulator/okta/persistence.ts';
import { applySeed, readSeedFile } from '../../src/emulator/okta/seed.ts';
import { startOktaEmulator } from '../../src/emulator/okta/server.ts';
import { SUPER_ADMIN_ID } from '../../src/emulator/okta/super-admin.ts';
import { OktaStore } from '../../src/emulator/okta/store.ts';
import { SystemLog } from '../../src/emulator/okta/system-log.ts';
import { createOktaClient } from '../../src/okta/client.ts';
import { TOKEN, collect, logEntriesAbout, newProfile, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'okta-emulator-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const groupNamesOf = async (client: typeof env.client, userId: string) =>
  (await collect(client.userApi.listUserGroups({ userId }))).map((group) => group.profile?.name);

describe('seeding', () => {
  it('adds groups and users in the statuses it names, with their memberships', async () => {
    const [staged, locked, suspended] = [newProfile(), newProfile(), newProfile()];
    const counts = applySeed(env.emulator.store, {
      groups: [{ name: 'Seeded engineers', description: 'From the seed' }, { name: 'Seeded app group', type: 'APP_GROUP' }],
      users: [
        { profile: staged, status: 'STAGED' },
        { profile: locked, status: 'LOCKED_OUT', groups: ['Seeded engineers', 'seeded APP GROUP', 'Everyone'] },
        { profile: suspended, status: 'SUSPENDED', password: false },
      ],
    });
    expect(counts).toEqual({ users: 3, groups: 2 });

    const [stagedUser, lockedUser, suspendedUser] = await Promise.all(
      [staged, locked, suspended].map((profile) => env.client.userApi.getUser({ userId: profile.login })),
    );
    expect([stagedUser!.status, lockedUser!.status, suspendedUser!.status]).toEqual(['STAGED', 'LOCKED_OUT', 'SUSPENDED']);
    expect(stagedUser!.activated).toBeNull();
    expect(lockedUser!.activated).toBeInstanceOf(Date);
    // A signed-up user has a password unless the seed says otherwise; a staged one has none.
    expect([stagedUser!.credentials?.password, lockedUser!.credentials?.password, suspendedUser!.credentials?.password]).toEqual([
      undefined,
      {},
      undefined,
    ]);
    expect(lockedUser!.profile).toMatchObject(locked);
    expect(await groupNamesOf(env.client, lockedUser!.id!)).toEqual(['Everyone', 'Seeded engineers', 'Seeded app group']);
    const [appGroup] = await collect(env.client.groupApi.listGroups({ q: 'Seeded app' }));
    expect(appGroup?.type).toBe('APP_GROUP');
  });

  it('reaches LOCKED_OUT, which no API can, so that a user can be unlocked', async () => {
    const profile = newProfile();
    applySeed(env.emulator.store, { users: [{ profile, status: 'LOCKED_OUT' }] });
    const user = await env.client.userApi.getUser({ userId: profile.login });
    expect(user.status).toBe('LOCKED_OUT');
    await env.client.userApi.unlockUser({ userId: user.id! });
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('ACTIVE');
    // Seeding is the org's starting point, not a change to it: only the unlock is logged.
    expect(logEntriesAbout(env, user.id!).map((entry) => entry.eventType)).toEqual(['user.account.unlock']);
  });

  it.each([
    ['not an object', [], /at the top level/],
    ['an unknown status', { users: [{ profile: newProfile(), status: 'FROZEN' }] }, /at users\[0\]\.status: /],
    ['an unknown key', { users: [{ profile: newProfile(), colour: 'red' }] }, /at users\[0\]: .*colour/],
    ['a blank group name', { groups: [{ name: ' ' }] }, /at groups\[0\]\.name: /],
    ['a group name in use', { groups: [{ name: 'everyone' }] }, /at groups\[0\]\.name: a group named "everyone" already exists/],
    [
      'an incomplete profile',
      { users: [{ profile: newProfile() }, { profile: { login: 'half@example.com', firstName: 'Half' } }] },
      /at users\[1\]\.profile\.email: email: The field cannot be left blank/,
    ],
    [
      'a login twice',
      { users: [{ profile: newProfile({ login: 'twice@example.com' }) }, { profile: newProfile({ login: 'TWICE@example.com' }) }] },
      /at users\[1\]\.profile\.login: a user with login "TWICE@example.com" already exists/,
    ],
    ['a group that does not exist', { users: [{ profile: newProfile(), groups: ['Nowhere'] }] }, /at users\[0\]\.groups\[0\]: no group is named "Nowhere"/],
  ])('refuses %s, naming where, and adds nothing', (_case, seed, message) => {
    const before = env.emulator.store.snapshot();
    expect(() => applySeed(env.emulator.store, seed)).toThrow(message);
    expect(env.emulator.store.snapshot()).toEqual(before);
  });

  it('refuses a login the org already has', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    expect(() => applySeed(env.emulator.store, { users: [{ profile: newProfile({ login: user.profile!.login }) }] })).toThrow(
      /at users\[0\]\.profile\.login: a user with login ".*" already exists/,
    );
  });

  it('reads a seed file, and names a file that is not JSON', async () => {
    const path = join(directory, 'seed.json');
    await writeFile(path, JSON.stringify({ groups: [{ name: 'From a file' }] }));
    expect(await readSeedFile(path)).toEqual({ groups: [{ name: 'From a file' }] });
    await writeFile(path, '{ groups: ');
    await expect(readSeedFile(path)).rejects.toThrow(`seed file ${path} is not JSON`);
  });
});

describe('resetting', () => {
  it('empties the org but for its super admin and Everyone, and keeps making new ids', async () => {
    const emulator = await startOktaEmulator({ token: TOKEN, port: 0 });
    try {
      const client = createOktaClient({ orgUrl: emulator.url, token: TOKEN });
      const before = await client.userApi.createUser({ body: { profile: newProfile() } });
      await client.groupApi.createGroup({ group: { profile: { name: 'Doomed' } } });
      emulator.store.reset();
      expect((await collect(client.userApi.listUsers({ search: 'status pr' }))).map((user) => user.profile?.login)).toEqual([
        'admin@emulator.okta.local',
      ]);
      expect((await collect(client.groupApi.listGroups({}))).map((group) => group.profile?.name)).toEqual(['Everyone']);
      const after = await client.userApi.createUser({ body: { profile: newProfile({ login: before.profile!.login }) } });
      expect(after.id! > before.id!).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});

describe('persistence', () => {
  it('keeps a sandbox across restarts: users, groups, memberships, and the order of ids', async () => {
    const stateFile = join(directory, 'restart', 'org.json');
    const first = await startOktaEmulator({ token: TOKEN, port: 0, stateFile });
    const client = createOktaClient({ orgUrl: first.url, token: TOKEN });
    const group = await client.groupApi.createGroup({ group: { profile: { name: 'Survivors' } } });
    const user = await client.userApi.createUser({ body: { profile: newProfile(), credentials: { password: { value: 'Tr0ub4dor&3xyz' } } } });
    await client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    await client.userApi.suspendUser({ userId: user.id! });
    const staged = await client.userApi.createUser({ body: { profile: newProfile() }, activate: false });
    await first.close();
    // The saved org holds secrets (provisioning connections' tokens): its owner's alone.
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    const second = await startOktaEmulator({ token: TOKEN, port: 0, stateFile });
    try {
      const again = createOktaClient({ orgUrl: second.url, token: TOKEN });
      const restored = await again.userApi.getUser({ userId: user.profile!.login! });
      expect(restored.id).toBe(user.id);
      expect(restored.status).toBe('SUSPENDED');
      expect(restored.credentials?.password).toEqual({});
      expect(restored.type?.id).toBe(user.type?.id);
      expect((await again.userApi.getUser({ userId: staged.id! })).status).toBe('STAGED');
      expect(await groupNamesOf(again, user.id!)).toEqual(['Everyone', 'Survivors']);
      expect((await collect(again.groupApi.listGroupUsers({ groupId: group.id! }))).map((member) => member.id)).toEqual([user.id]);

      const newcomer = await again.userApi.createUser({ body: { profile: newProfile() } });
      const newGroup = await again.groupApi.createGroup({ group: { profile: { name: 'Newcomers' } } });
      expect(newcomer.id! > staged.id!).toBe(true);
      expect(newGroup.id! > group.id!).toBe(true);
      expect((await collect(again.userApi.listUsers({}))).map((listed) => listed.id)).toEqual([SUPER_ADMIN_ID, user.id, staged.id, newcomer.id]);
    } finally {
      await second.close();
    }
  });

  it('saves each change, leaving no temporary file, and restores the same org into a new store', async () => {
    const path = join(directory, 'direct', 'org.json');
    const store = new OktaStore(new SystemLog());
    const persistence = persistState(store, path);
    applySeed(store, {
      groups: [{ name: 'Direct' }],
      users: [{ profile: newProfile(), status: 'LOCKED_OUT', groups: ['Direct'] }, { profile: newProfile(), status: 'STAGED' }],
    });
    await persistence.flush();
    const saved = await readFile(path, 'utf8');
    store.createUser({ profile: newProfile(), credentials: {}, activate: false, expirePassword: false });
    await persistence.flush();
    expect(await readFile(path, 'utf8')).not.toBe(saved);
    expect(await readdir(join(directory, 'direct'))).toEqual(['org.json']);

    const restored = new OktaStore(new SystemLog());
    expect(await loadState(restored, path)).toBe(true);
    expect(restored.snapshot()).toEqual(JSON.parse(JSON.stringify(store.snapshot())));

    await persistence.stop();
    store.reset();
    await persistence.flush();
    expect(JSON.parse(await readFile(path, 'utf8')).users).toHaveLength(4);
  });

  it('makes ids after a restore that sort after the restored ones, whatever id a new store would start at', async () => {
    const path = join(directory, 'ids.json');
    const store = new OktaStore(new SystemLog());
    const persistence = persistState(store, path);
    const last = store.createUser({ profile: newProfile(), credentials: {}, activate: false, expirePassword: false });
    await persistence.stop();
    // Each new store starts its ids at a random point, so one restore alone would pass by chance half the time.
    for (let i = 0; i < 20; i++) {
      const restored = new OktaStore(new SystemLog());
      await loadState(restored, path);
      const next = restored.createUser({ profile: newProfile(), credentials: {}, activate: false, expirePassword: false });
      expect(next.id > last.id).toBe(true);
    }
  });

  it('starts afresh when there is no saved org', async () => {
    const store = new OktaStore(new SystemLog());
    const before = store.snapshot();
    expect(await loadState(store, join(directory, 'absent.json'))).toBe(false);
    expect(store.snapshot()).toEqual(before);
  });

  it('names what is wrong with a damaged save', async () => {
    const path = join(directory, 'damaged.json');
    const store = new OktaStore(new SystemLog());
    const snapshot = store.snapshot();
    await writeFile(path, JSON.stringify({ ...snapshot, users: [{ id: '00uBroken', status: 'FROZEN' }] }));
    await expect(loadState(store, path)).rejects.toThrow(`saved org ${path} is malformed at users.0.status`);
    await writeFile(path, '{"version":');
    await expect(loadState(store, path)).rejects.toThrow(`saved org ${path} is not JSON`);
  });
});
