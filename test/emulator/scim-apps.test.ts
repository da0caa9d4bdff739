import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScimAppName } from '../../src/emulator/scim-apps/apps.ts';
import { startScimApps, type ScimApps } from '../../src/emulator/scim-apps/server.ts';
import { SANDBOX_SCIM_TOKEN } from '../../src/targets/sandbox-address.ts';
import { ERROR, GROUP_SCHEMA, PATCH_OP, request, USER_SCHEMA, type ScimResponse } from '../scim/scim-fixture.ts';

/**
 * The sandbox's emulated SCIM applications over real HTTP, as a SCIM client (Tenure's SCIM
 * target, Okta's provisioning) reaches them: OpsHelm (users only) and Kestra (users and groups),
 * their admin API, injected faults and the saved state.
 */

const TOKEN = 'scim-apps-test-token';

type Client = (method: string, route: string, body?: unknown, token?: string | null) => Promise<ScimResponse>;

function clients(apps: ScimApps) {
  const call =
    (base: (app: ScimAppName) => string) =>
    (app: ScimAppName): Client =>
    (method, route, body, token = TOKEN) =>
      request(`${base(app)}${route}`, method, body, {
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      });
  return { scim: call(apps.appUrl), admin: call(apps.adminUrl) };
}

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Zoë', familyName: 'Lindqvist' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  ...extra,
});

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const filter = (text: string) => `?filter=${encodeURIComponent(text)}`;

describe('the emulated SCIM apps', () => {
  let apps: ScimApps;
  let scim: (app: ScimAppName) => Client;
  let admin: (app: ScimAppName) => Client;

  beforeEach(async () => {
    apps = await startScimApps({ port: 0, token: TOKEN });
    ({ scim, admin } = clients(apps));
  });
  afterEach(async () => {
    await apps.close();
  });

  describe('discovery', () => {
    it('OpsHelm has users only: no Group resource type or schema, and /Groups is a SCIM 404', async () => {
      const types = await scim('opshelm')('GET', '/ResourceTypes');
      expect(types.status).toBe(200);
      expect(types.headers.get('content-type')).toContain('application/scim+json');
      expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(['User']);
      const schemas = await scim('opshelm')('GET', '/Schemas');
      expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).not.toContain(GROUP_SCHEMA);
      expect((await scim('opshelm')('GET', '/ResourceTypes/Group')).status).toBe(404);
      expect((await scim('opshelm')('GET', `/Schemas/${GROUP_SCHEMA}`)).status).toBe(404);
      expect((await scim('kestra')('GET', `/Schemas/${GROUP_SCHEMA}`)).body).toMatchObject({ id: GROUP_SCHEMA, name: 'Group' });

      for (const [method, body] of [['GET', undefined], ['POST', { displayName: 'eng' }]] as const) {
        const groups = await scim('opshelm')(method, '/Groups', body);
        expect(groups.status).toBe(404);
        expect(groups.body).toMatchObject({ schemas: [ERROR], status: '404' });
        expect(groups.body.detail).toMatch(/group push/);
      }
    });

    it('Kestra has users and groups, and both apps say they take PATCH and filters', async () => {
      const types = await scim('kestra')('GET', '/ResourceTypes');
      expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(['User', 'Group']);
      expect((await scim('kestra')('GET', '/Groups')).body).toMatchObject({ totalResults: 0, Resources: [] });
      for (const app of ['opshelm', 'kestra'] as const) {
        const config = await scim(app)('GET', '/ServiceProviderConfig');
        expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, authenticationSchemes: [{ type: 'oauthbearertoken' }] });
        expect(config.body.meta.location).toBe(`${apps.appUrl(app)}/ServiceProviderConfig`);
        // The token is the one the vendor issued, not one from `tenure scim add`.
        expect(config.body.authenticationSchemes[0].description).toMatch(app === 'opshelm' ? /^The API token OpsHelm issued/ : /^The API token Kestra issued/);
        expect((await scim(app)('POST', '/ServiceProviderConfig', {})).status).toBe(405);
      }
    });
  });

  describe('the bearer token', () => {
    it('is required by every app and by the admin API: 401 as a SCIM error, with nothing done', async () => {
      for (const token of [null, 'wrong-token']) {
        const created = await scim('kestra')('POST', '/Users', user('ana@example.com'), token);
        expect(created.status).toBe(401);
        expect(created.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(created.body).toMatchObject({ schemas: [ERROR], status: '401' });
        expect(JSON.stringify(created.body)).not.toContain(TOKEN);
        expect((await scim('opshelm')('GET', '/Users', undefined, token)).status).toBe(401);
        expect((await admin('kestra')('GET', '/users', undefined, token)).status).toBe(401);
        expect((await admin('kestra')('POST', '/faults', { down: true }, token)).status).toBe(401);
      }
      expect((await admin('kestra')('GET', '/users')).body.users).toEqual([]);
      expect((await scim('kestra')('GET', '/Users')).status).toBe(200);
    });
  });

  describe('users', () => {
    it('are created, read, found by filter, patched, replaced and deleted (OpsHelm)', async () => {
      const app = scim('opshelm');
      const created = await app('POST', '/Users', user('zoe.lindqvist@example.com', { externalId: 'hr-E1001' }));
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect(created.headers.get('location')).toBe(`${apps.appUrl('opshelm')}/Users/${id}`);
      expect(created.body).toMatchObject({ userName: 'zoe.lindqvist@example.com', externalId: 'hr-E1001', active: true, meta: { resourceType: 'User' } });

      expect((await app('GET', `/Users/${id}`)).body).toMatchObject({ id, name: { givenName: 'Zoë' } });
      expect((await app('GET', '/Users/no-such-id')).status).toBe(404);

      // userName is caseExact false; externalId is caseExact.
      const byName = await app('GET', `/Users${filter('userName eq "ZOE.LINDQVIST@example.com"')}`);
      expect(byName.body).toMatchObject({ totalResults: 1, Resources: [{ id }] });
      expect((await app('GET', `/Users${filter('externalId eq "hr-E1001"')}`)).body.totalResults).toBe(1);
      expect((await app('GET', `/Users${filter('externalId eq "HR-E1001"')}`)).body.totalResults).toBe(0);
      expect((await app('GET', `/Users${filter('userName sw "zoe." and name.familyName co "lind"')}`)).body.totalResults).toBe(1);
      // A value filter holds for one and the same email: this work address is not at home.example.
      expect((await app('GET', `/Users${filter('emails[type eq "WORK" and value co "@example.com"]')}`)).body.totalResults).toBe(1);
      await app('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'emails', value: [{ value: 'zoe@home.example', type: 'home' }] }));
      expect((await app('GET', `/Users${filter('emails[type eq "work" and value co "home.example"]')}`)).body.totalResults).toBe(0);
      expect((await app('GET', `/Users${filter('emails[type eq "home" and value co "home.example"]')}`)).body.totalResults).toBe(1);
      const bad = await app('GET', `/Users${filter('shoeSize eq 42')}`);
      expect(bad.status).toBe(400);
      expect(bad.body.scimType).toBe('invalidFilter');

      const patched = await app('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'Staff Engineer' }, { op: 'replace', value: { active: false } }));
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ title: 'Staff Engineer', active: false });
      expect((await app('GET', `/Users/${id}`)).body).toMatchObject({ title: 'Staff Engineer', active: false });
      expect((await app('GET', `/Users${filter('active eq false')}`)).body.totalResults).toBe(1);

      const replaced = await app('PUT', `/Users/${id}`, user('zoe.lindqvist@example.com', { externalId: 'hr-E1001', active: true }));
      expect(replaced.status).toBe(200);
      expect(replaced.body.title).toBeUndefined();
      expect(replaced.body.active).toBe(true);

      expect((await app('DELETE', `/Users/${id}`)).status).toBe(204);
      expect((await app('GET', `/Users/${id}`)).status).toBe(404);
      expect((await app('DELETE', `/Users/${id}`)).status).toBe(404);
      expect((await admin('opshelm')('GET', '/users')).body.users).toEqual([]);
    });

    it('have a unique userName, ignoring case: 409 uniqueness, and the first user is left as it was', async () => {
      const app = scim('kestra');
      const first = await app('POST', '/Users', user('ana@example.com'));
      const again = await app('POST', '/Users', user('ANA@example.com', { title: 'Impostor' }));
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
      const other = await app('POST', '/Users', user('bo@example.com'));
      const renamed = await app('PATCH', `/Users/${other.body.id}`, patch({ op: 'replace', path: 'userName', value: 'Ana@Example.com' }));
      expect(renamed.status).toBe(409);
      const users = (await admin('kestra')('GET', '/users')).body.users;
      expect(users.map((entry: { userName: string }) => entry.userName)).toEqual(['ana@example.com', 'bo@example.com']);
      expect(users[0].id).toBe(first.body.id);
      expect(users[0].title).toBeUndefined();
    });

    it('are deactivated and kept: the admin API lists inactive users as well', async () => {
      const app = scim('opshelm');
      const created = await app('POST', '/Users', user('ana@example.com'));
      await app('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'active', value: false }));
      const listed = (await admin('opshelm')('GET', '/users')).body.users;
      expect(listed).toMatchObject([{ id: created.body.id, userName: 'ana@example.com', active: false, tenantAccess: true }]);
    });

    it("take OpsHelm's username format: an email address, matching the primary email", async () => {
      const app = scim('opshelm');
      const notEmail = await app('POST', '/Users', user('ana', { emails: undefined }));
      expect(notEmail.status).toBe(400);
      expect(notEmail.body).toMatchObject({ scimType: 'invalidValue' });
      expect(notEmail.body.detail).toMatch(/email address/);
      const mismatch = await app('POST', '/Users', user('ana@example.com', { emails: [{ value: 'ana.other@example.com', type: 'work', primary: true }] }));
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.detail).toMatch(/primary email/);
      expect((await admin('opshelm')('GET', '/users')).body.users).toEqual([]);
      // Kestra has no such rule.
      expect((await scim('kestra')('POST', '/Users', user('ana', { emails: undefined }))).status).toBe(201);
    });
  });

  describe('Kestra groups', () => {
    it('are pushed and their membership changed by PATCH; each user carries its groups, read-only', async () => {
      const app = scim('kestra');
      const ana = (await app('POST', '/Users', user('ana@example.com', { displayName: 'Ana Lima' }))).body;
      const bo = (await app('POST', '/Users', user('bo@example.com'))).body;
      const group = await app('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] });
      expect(group.status).toBe(201);
      const groupId = group.body.id;
      expect((await app('POST', '/Groups', { displayName: 'engineering' })).body).toMatchObject({ status: '409', scimType: 'uniqueness' });

      const added = await app('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: ana.id }, { value: bo.id }] }));
      expect(added.status).toBe(200);
      expect(added.body.members).toEqual([
        expect.objectContaining({ value: ana.id, display: 'Ana Lima' }),
        expect.objectContaining({ value: bo.id, display: 'bo@example.com' }),
      ]);
      expect((await app('GET', `/Users/${ana.id}`)).body.groups).toEqual([expect.objectContaining({ value: groupId, display: 'Engineering' })]);
      expect((await app('GET', `/Groups${filter('displayName eq "ENGINEERING"')}`)).body.totalResults).toBe(1);
      expect((await app('GET', `/Groups${filter(`members.value eq "${ana.id}"`)}`)).body).toMatchObject({ totalResults: 1, Resources: [{ id: groupId }] });
      expect((await app('GET', `/Users${filter(`groups.value eq "${groupId}"`)}`)).body.totalResults).toBe(2);

      const removed = await app('PATCH', `/Groups/${groupId}`, patch({ op: 'remove', path: `members[value eq "${bo.id}"]` }));
      expect(removed.body.members.map((member: { value: string }) => member.value)).toEqual([ana.id]);
      expect((await app('GET', `/Users/${bo.id}`)).body.groups).toBeUndefined();

      const unknownMember = await app('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: 'nobody' }] }));
      expect(unknownMember.status).toBe(400);
      const writesGroups = await app('PATCH', `/Users/${ana.id}`, patch({ op: 'add', path: 'groups', value: [{ value: groupId }] }));
      expect(writesGroups.status).toBe(400);
      expect(writesGroups.body.scimType).toBe('mutability');

      const renamed = await app('PATCH', `/Groups/${groupId}`, patch({ op: 'replace', value: { id: groupId, displayName: 'Platform' } }));
      expect(renamed.body.displayName).toBe('Platform');
      expect((await admin('kestra')('GET', '/groups')).body.groups).toMatchObject([{ id: groupId, displayName: 'Platform', members: [{ value: ana.id }] }]);

      expect((await app('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await app('GET', `/Groups/${groupId}`)).status).toBe(404);
      expect((await app('GET', `/Users/${ana.id}`)).body.groups).toBeUndefined();
    });

    it("DELETE of a user ends the tenant's access only: gone from SCIM and its groups, kept by Kestra, the same user when provisioned again", async () => {
      const app = scim('kestra');
      const ana = (await app('POST', '/Users', user('ana@example.com'))).body;
      const group = (await app('POST', '/Groups', { displayName: 'Engineering', members: [{ value: ana.id }] })).body;
      expect((await app('DELETE', `/Users/${ana.id}`)).status).toBe(204);
      expect((await app('GET', `/Users/${ana.id}`)).status).toBe(404);
      expect((await app('GET', `/Users${filter('userName eq "ana@example.com"')}`)).body.totalResults).toBe(0);
      expect((await app('GET', `/Groups/${group.id}`)).body.members).toEqual([]);
      expect((await admin('kestra')('GET', '/users')).body.users).toMatchObject([{ id: ana.id, tenantAccess: false }]);

      const again = await app('POST', '/Users', user('ana@example.com', { title: 'Returner' }));
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ id: ana.id, title: 'Returner' });
      expect((await admin('kestra')('GET', '/users')).body.users).toMatchObject([{ id: ana.id, tenantAccess: true }]);
    });
  });

  describe('faults and counts', () => {
    it('answer 429 with Retry-After for exactly the next N requests, then normally; the counts say what arrived', async () => {
      const set = await admin('kestra')('POST', '/faults', { status: 429, times: 2, retryAfter: 3 });
      expect(set.status).toBe(200);
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await scim('kestra')('POST', '/Users', user('ana@example.com'));
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('3');
        expect(refused.body).toMatchObject({ schemas: [ERROR], status: '429' });
      }
      // The other app is untouched by Kestra's fault.
      expect((await scim('opshelm')('GET', '/Users')).status).toBe(200);
      const created = await scim('kestra')('POST', '/Users', user('ana@example.com'));
      expect(created.status).toBe(201);
      expect(created.headers.get('retry-after')).toBeNull();

      expect((await admin('kestra')('GET', '/stats')).body).toEqual({ requests: { GET: 0, POST: 3, PUT: 0, PATCH: 0, DELETE: 0 }, faulted: 2 });
      expect((await admin('opshelm')('GET', '/stats')).body).toEqual({ requests: { GET: 1, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 }, faulted: 0 });
      expect((await admin('kestra')('GET', '/users')).body.users).toHaveLength(1);
      expect((await admin('kestra')('DELETE', '/stats')).status).toBe(204);
      expect((await admin('kestra')('GET', '/stats')).body.requests.POST).toBe(0);
    });

    it('answer 503 while the app is down, and normally once it is up again', async () => {
      expect((await admin('opshelm')('POST', '/faults', { down: true })).body).toMatchObject({ down: true });
      for (const route of ['/Users', '/ServiceProviderConfig']) {
        const down = await scim('opshelm')('GET', route);
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ status: '503' });
      }
      expect((await scim('opshelm')('POST', '/Users', user('ana@example.com'))).status).toBe(503);
      // A down app answers nothing else, not even that a token is missing.
      expect((await scim('opshelm')('GET', '/Users', undefined, null)).status).toBe(503);
      expect((await admin('opshelm')('GET', '/users')).body.users).toEqual([]);
      await admin('opshelm')('POST', '/faults', { down: false });
      expect((await scim('opshelm')('GET', '/Users')).status).toBe(200);
      expect((await admin('opshelm')('GET', '/stats')).body).toMatchObject({ requests: { GET: 4, POST: 1 }, faulted: 4 });
    });

    it('are refused with a clear 400 when the request is not one', async () => {
      for (const body of [{ status: 'soon', times: 1 }, { status: 200, times: 1 }, { status: 429 }, { down: 'yes' }, { status: 429, times: 1, extra: true }]) {
        const refused = await admin('kestra')('POST', '/faults', body);
        expect(refused.status).toBe(400);
        expect(refused.body.detail).toMatch(/^a fault is /);
      }
      for (const route of ['/users', '/faults', '/stats']) expect((await admin('nowhere' as ScimAppName)('GET', route)).status).toBe(404);
      expect((await scim('kestra')('GET', '/Users')).status).toBe(200);
    });
  });
});

describe('the SCIM apps state file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tenure-scim-apps-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every app\'s users and groups across a restart, readable by its owner only', async () => {
    const stateFile = path.join(dir, 'state', 'scim-apps.json');
    const first = await startScimApps({ port: 0, token: TOKEN, stateFile });
    const { scim } = clients(first);
    const ana = (await scim('kestra')('POST', '/Users', user('ana@example.com', { externalId: 'hr-E1' }))).body;
    const group = (await scim('kestra')('POST', '/Groups', { displayName: 'Engineering', members: [{ value: ana.id }] })).body;
    const bo = (await scim('opshelm')('POST', '/Users', user('bo@example.com'))).body;
    await scim('opshelm')('PATCH', `/Users/${bo.id}`, patch({ op: 'replace', path: 'active', value: false }));
    // A burst: each acknowledged write is on disk, those saved together included.
    const burst = Array.from({ length: 20 }, (_, index) => `burst${index}@example.com`);
    const answers = await Promise.all(burst.map((userName) => scim('opshelm')('POST', '/Users', user(userName))));
    expect(answers.map((answer) => answer.status)).toEqual(burst.map(() => 201));
    await first.close();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    const second = await startScimApps({ port: 0, token: TOKEN, stateFile });
    try {
      const again = clients(second);
      expect((await again.scim('kestra')('GET', `/Users/${ana.id}`)).body).toMatchObject({ userName: 'ana@example.com', externalId: 'hr-E1', groups: [{ value: group.id }] });
      expect((await again.scim('opshelm')('GET', `/Users/${bo.id}`)).body).toMatchObject({ userName: 'bo@example.com', active: false });
      expect((await again.scim('kestra')('POST', '/Users', user('ANA@example.com'))).status).toBe(409);
      expect((await again.scim('opshelm')('GET', `/Users${filter('userName sw "burst"')}`)).body.totalResults).toBe(burst.length);
    } finally {
      await second.close();
    }
  });

  it('is refused, saying where, when it is not the emulator\'s', async () => {
    const stateFile = path.join(dir, 'broken.json');
    await writeFile(stateFile, JSON.stringify({ version: 1, apps: { opshelm: { users: [{ id: 'x' }], groups: [] } } }));
    await expect(startScimApps({ port: 0, token: TOKEN, stateFile })).rejects.toThrow(/broken\.json is malformed at apps\.opshelm\.users\.0\.userName/);
    await writeFile(stateFile, '{ not json');
    await expect(startScimApps({ port: 0, token: TOKEN, stateFile })).rejects.toThrow(/is not JSON/);
    // The parser quotes the text it choked on; the message must not, as the file holds people's names.
    await writeFile(stateFile, '{"version": 1, "apps": {"opshelm": {"users": [{"userName": Zoë Lindqvist}]}}}');
    const refused = await startScimApps({ port: 0, token: TOKEN, stateFile }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/broken\.json is not JSON: Unexpected token 'Z'$/);
    expect(refused).not.toContain('Lindqvist');
  });
});

describe('where the SCIM apps listen', () => {
  it('only on loopback with the published sandbox token', async () => {
    for (const host of ['0.0.0.0', '::', '127.0.0.1.nip.io', 'localhost.example.com']) {
      await expect(startScimApps({ port: 0, host, token: SANDBOX_SCIM_TOKEN })).rejects.toThrow(`will not listen on ${host} with the sandbox's token`);
    }
    for (const host of ['::1', '127.0.0.2']) {
      const loopback = await startScimApps({ port: 0, host, token: SANDBOX_SCIM_TOKEN });
      await loopback.close();
    }
    const apps = await startScimApps({ port: 0, token: SANDBOX_SCIM_TOKEN });
    try {
      expect(apps.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(apps.appUrl('kestra')).toBe(`${apps.url}/kestra/scim/v2`);
      const { scim } = clients(apps);
      expect((await scim('kestra')('GET', '/Users', undefined, SANDBOX_SCIM_TOKEN)).status).toBe(200);
    } finally {
      await apps.close();
    }
  });
});
