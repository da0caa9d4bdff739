import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../scim-directory/engines.ts';
import { ENTERPRISE_SCHEMA, ERROR, oktaUser, patch, request, startScimFixture, type ScimClient, type ScimFixture } from './scim-fixture.ts';

/** What any SCIM client notices of Tenure's service provider beyond Okta's own sequences (RFC 7644). */

describe.each(engines())('on $name', (engine) => {
  let fixture: ScimFixture;
  let acme: ScimClient;
  let globex: ScimClient;
  let anaId: string;

  beforeAll(async () => {
    fixture = await startScimFixture({ engine });
    acme = await fixture.integration('acme');
    globex = await fixture.integration('globex');
    anaId = (await acme.call('POST', '/Users', oktaUser('ana+tag@example.com', 'Ana', 'Lima', {
      [ENTERPRISE_SCHEMA]: { department: 'Sales', employeeNumber: 1001 },
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
    }))).body.id;
  });
  afterAll(async () => {
    await fixture?.close();
    await engine.cleanUp();
  });

  const expectError = (response: { status: number; body: unknown; headers: Headers }, status: number, scimType?: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toMatchObject({ schemas: [ERROR], status: String(status), detail: expect.any(String), ...(scimType ? { scimType } : {}) });
  };

  /** Runs `action`, asserting that it wrote nothing: no outbox row, no trigger of the relay. */
  async function unchanged(action: () => Promise<void>) {
    const before = await fixture.directory.pendingChanges(10_000);
    const changes = fixture.changes();
    await action();
    expect(await fixture.directory.pendingChanges(10_000)).toEqual(before);
    expect(fixture.changes()).toBe(changes);
  }

  describe('authentication', () => {
    it('no token, a wrong token, an unknown integration and a disabled one all get the same 401', async () => {
      const answers = [
        await acme.call('GET', '/Users', undefined, { authorization: '' }),
        await acme.call('GET', '/Users', undefined, { authorization: 'Bearer not-the-token' }),
        await acme.call('GET', '/Users', undefined, { authorization: `Basic ${acme.token}` }),
        await request(`${fixture.url}/scim/v2/nobody/Users`, 'GET', undefined, { authorization: `Bearer ${acme.token}` }),
      ];
      await fixture.directory.updateIntegration('globex', { enabled: false });
      answers.push(await globex.call('GET', '/Users'));
      await fixture.directory.updateIntegration('globex', { enabled: true });
      for (const answer of answers) {
        expectError(answer, 401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="SCIM"');
      }
      // Nothing tells an existing integration from a missing one.
      expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
      expect((await globex.call('GET', '/Users')).status).toBe(200);
    });

    it("one integration's token never reaches another's resources", async () => {
      const withAcmeToken = (path: string, method = 'GET', body?: unknown) =>
        request(`${globex.baseUrl}${path}`, method, body, { authorization: `Bearer ${acme.token}`, 'content-type': 'application/scim+json' });
      expectError(await withAcmeToken('/Users'), 401);
      expectError(await withAcmeToken('/Users', 'POST', oktaUser('mallory@example.com', 'M', 'X')), 401);
      // With its own token, globex sees none of acme's users, even by id.
      expect((await globex.call('GET', '/Users')).body.totalResults).toBe(0);
      expectError(await globex.call('GET', `/Users/${anaId}`), 404);
      expectError(await globex.call('PATCH', `/Users/${anaId}`, patch({ op: 'replace', value: { active: false } })), 404);
      expectError(await globex.call('DELETE', `/Users/${anaId}`), 404);
      expect((await acme.call('GET', `/Users/${anaId}`)).body.active).toBe(true);
      // The same userName may exist in each.
      expect((await globex.call('POST', '/Users', oktaUser('ana+tag@example.com', 'Ana', 'Other'))).status).toBe(201);
    });
  });

  describe('requests Tenure refuses, before anything is stored', () => {
    it('a body over the limit is 413', async () => {
      await unchanged(async () => {
        const big = oktaUser('big@example.com', 'Big', 'Body', { title: 'x'.repeat(3 * 1024 * 1024) });
        expectError(await acme.call('POST', '/Users', big), 413);
      });
    });

    it('a body that is not JSON is 415 (its type) or 400 invalidSyntax (its text)', async () => {
      await unchanged(async () => {
        expectError(await acme.call('POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
        expectError(await acme.call('POST', '/Users', '{"userName": ', { 'content-type': 'application/scim+json' }), 400, 'invalidSyntax');
        expectError(await acme.call('POST', '/Users', '[]'), 400, 'invalidSyntax');
      });
    });

    it('a user without userName, or with a value of the wrong type, is 400 invalidValue', async () => {
      await unchanged(async () => {
        expectError(await acme.call('POST', '/Users', { name: { givenName: 'No' } }), 400, 'invalidValue');
        expectError(await acme.call('POST', '/Users', { userName: 'x@example.com', active: 'maybe' }), 400, 'invalidValue');
        expectError(await acme.call('POST', '/Users', { userName: 'x@example.com', emails: 'x@example.com' }), 400, 'invalidValue');
        expectError(await acme.call('PUT', `/Users/${anaId}`, { userName: '' }), 400, 'invalidValue');
      });
    });

    it('a malformed PATCH is 400 with the scimType RFC 7644 names', async () => {
      await unchanged(async () => {
        expectError(await acme.call('PATCH', `/Users/${anaId}`, { Operations: [] }), 400, 'invalidSyntax');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'move', path: 'title', value: 'x' })), 400, 'invalidSyntax');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'remove' })), 400, 'noTarget');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'replace', path: 'id', value: 'mine' })), 400, 'mutability');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'replace', path: 'emails[type eq', value: 'x' })), 400, 'invalidPath');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'replace', value: { active: 'sometimes' } })), 400, 'invalidValue');
      });
    });

    it('a filter that does not parse is 400 invalidFilter; a bad count is 400', async () => {
      expectError(await acme.call('GET', `/Users?filter=${encodeURIComponent('ANA+TAG@EXAMPLE.COM')}`), 400, 'invalidFilter');
      expectError(await acme.call('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
      expectError(await acme.call('GET', '/Users?count=many'), 400, 'invalidValue');
    });

    it('a duplicate userName, in any case, is 409 uniqueness', async () => {
      expectError(await acme.call('POST', '/Users', oktaUser('ANA+TAG@example.com', 'Ana', 'Again')), 409, 'uniqueness');
    });

    it('unknown paths are a SCIM 404, methods a path does not take a SCIM 405', async () => {
      expectError(await acme.call('GET', '/Devices'), 404);
      const put = await acme.call('PUT', '/Users', {});
      expectError(put, 405);
      expect(put.headers.get('allow')).toBe('GET, POST');
      expectError(await acme.call('POST', `/Users/${anaId}`, {}), 405);
    });
  });

  describe('users', () => {
    it('client-sent id, meta, groups and unknown attributes are ignored, not refused', async () => {
      const { status, body } = await acme.call('POST', '/Users', {
        ...oktaUser('ignored@example.com', 'Ign', 'Ored'),
        id: 'client-chosen',
        meta: { resourceType: 'Nope' },
        groups: [{ value: 'g1' }],
        favouriteColour: 'teal',
      });
      expect(status).toBe(201);
      expect(body.id).not.toBe('client-chosen');
      expect(body.meta.resourceType).toBe('User');
      expect(body.groups).toBeUndefined();
      expect(body.favouriteColour).toBeUndefined();
    });

    it('attribute names are case-insensitive in bodies and PATCH, and come back in the schema spelling', async () => {
      const created = await acme.call('POST', '/Users', { USERNAME: 'caps@example.com', Name: { GivenName: 'Cap', FAMILYNAME: 'S' }, Active: 'True' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ userName: 'caps@example.com', name: { givenName: 'Cap', familyName: 'S' }, active: true });
      const patched = await acme.call('PATCH', `/Users/${created.body.id}`, patch({ op: 'Replace', path: 'NAME.GIVENNAME', value: 'Kap' }, { op: 'ADD', value: { Title: 'Boss', 'name.middleName': 'M' } }));
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ name: { givenName: 'Kap', middleName: 'M', familyName: 'S' }, title: 'Boss' });
      expect(patched.body.Title).toBeUndefined();
    });

    it('PATCH with value-path filters and the enterprise extension', async () => {
      const { body } = await acme.call(
        'PATCH',
        `/Users/${anaId}`,
        patch(
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'ana.work@example.com' },
          { op: 'add', path: 'phoneNumbers', value: [{ type: 'work', value: '+1 555 0199' }] },
          { op: 'remove', path: 'phoneNumbers[type eq "mobile"]' },
          { op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Marketing' },
        ),
      );
      expect(body.emails).toEqual([{ primary: true, value: 'ana.work@example.com', type: 'work' }]);
      expect(body.phoneNumbers).toEqual([{ type: 'work', value: '+1 555 0199' }]);
      expect(body[ENTERPRISE_SCHEMA]).toEqual({ department: 'Marketing', employeeNumber: '1001' });
      expect(body.schemas).toContain(ENTERPRISE_SCHEMA);
    });

    it('filters: a + inside a quoted value is a +, between tokens a space; attribute names in any case', async () => {
      const find = async (query: string) => (await acme.call('GET', `/Users?${query}`)).body;
      expect((await find('filter=userName%20eq%20%22ana%2Btag@example.com%22')).totalResults).toBe(1);
      expect((await find('filter=userName+eq+"ana+tag@example.com"')).totalResults).toBe(1);
      expect((await find(`filter=${encodeURIComponent('USERNAME EQ "ANA+TAG@EXAMPLE.COM" and active eq true')}`)).totalResults).toBe(1);
      expect((await find(`filter=${encodeURIComponent('emails[type eq "work" and value co "ana.work"]')}`)).Resources[0].id).toBe(anaId);
    });

    it('attributes and excludedAttributes choose what comes back; id and schemas always do', async () => {
      const only = (await acme.call('GET', `/Users/${anaId}?attributes=userName,name.givenName,${ENTERPRISE_SCHEMA}:department`)).body;
      expect(only).toEqual({ schemas: expect.any(Array), id: anaId, userName: 'ana+tag@example.com', name: { givenName: 'Ana' }, [ENTERPRISE_SCHEMA]: { department: 'Marketing' } });
      const without = (await acme.call('GET', `/Users?filter=${encodeURIComponent(`id eq "${anaId}"`)}&excludedAttributes=emails,meta,id`)).body.Resources[0];
      expect(without.id).toBe(anaId);
      expect(without.emails).toBeUndefined();
      expect(without.meta).toBeUndefined();
      expect(without.userName).toBe('ana+tag@example.com');
    });

    it('POST /.search takes the same query in a SearchRequest body', async () => {
      const { status, body } = await acme.call('POST', '/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'name.familyName eq "lima"',
        attributes: ['userName'],
        startIndex: 1,
        count: 10,
      });
      expect(status).toBe(200);
      expect(body.Resources).toEqual([{ schemas: expect.any(Array), id: anaId, userName: 'ana+tag@example.com' }]);
      expectError(await acme.call('POST', '/Users/.search', { filter: 'name.familyName zz "x"' }), 400, 'invalidFilter');
    });

    it('startIndex below 1 is 1; count 0 gives only totalResults', async () => {
      const { body } = await acme.call('GET', '/Users?startIndex=0&count=0');
      expect(body).toMatchObject({ startIndex: 1, itemsPerPage: 0, Resources: [] });
      expect(body.totalResults).toBeGreaterThan(0);
    });

    it('DELETE removes the user from the integration: 204, then 404, and its identity hears it is gone', async () => {
      const id = (await acme.call('POST', '/Users', oktaUser('gone@example.com', 'Gone', 'Soon'))).body.id;
      expect((await acme.call('DELETE', `/Users/${id}`, undefined, { 'content-type': 'application/scim+json; charset=utf-8' })).status).toBe(204);
      expectError(await acme.call('GET', `/Users/${id}`), 404);
      expectError(await acme.call('DELETE', `/Users/${id}`), 404);
      const last = (await fixture.directory.pendingChanges(10_000)).filter((entry) => entry.userId === id).at(-1);
      expect(last?.record).toBeNull();
    });

    it('concurrent duplicate POSTs create one user; the rest are 409', async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => acme.call('POST', '/Users', oktaUser('race@example.com', 'Race', 'Condition'))));
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status === 409)).toHaveLength(9);
    });
  });

  describe('groups', () => {
    it("Entra's remove of members listed by value removes them whatever their display", async () => {
      const bob = (await acme.call('POST', '/Users', oktaUser('bob@example.com', 'Bob', 'B'))).body.id;
      const group = (await acme.call('POST', '/Groups', { displayName: 'Ops', members: [{ value: anaId, display: 'Ana' }, { value: bob }] })).body;
      expect(group.members).toHaveLength(2);
      const { body } = await acme.call('PATCH', `/Groups/${group.id}`, patch({ op: 'Remove', path: 'members', value: [{ value: anaId }] }));
      expect(body.members.map((member: { value: string }) => member.value)).toEqual([bob]);
    });

    it('a duplicate displayName is 409; excludedAttributes=members leaves members out of a list', async () => {
      expectError(await acme.call('POST', '/Groups', { displayName: 'OPS' }), 409, 'uniqueness');
      const listed = (await acme.call('GET', '/Groups?excludedAttributes=members')).body.Resources;
      expect(listed.length).toBeGreaterThan(0);
      for (const group of listed) expect(group.members).toBeUndefined();
    });
  });

  describe('text a database cannot hold, and text over the length caps', () => {
    it('a NUL or half a surrogate pair in any string is 400 invalidValue (invalidFilter in a filter), and nothing is stored', async () => {
      const group = (await acme.call('POST', '/Groups', { displayName: 'Text checks' })).body;
      await unchanged(async () => {
        expectError(await acme.call('POST', '/Users', oktaUser('nul\u0000@example.com', 'Nul', 'Char')), 400, 'invalidValue');
        // JSON.stringify writes a lone surrogate as the escape "\ud800", which the server's parser turns back into one.
        expectError(await acme.call('POST', '/Users', oktaUser('half@example.com', 'Half\ud800', 'Pair')), 400, 'invalidValue');
        expectError(await acme.call('PUT', `/Users/${anaId}`, oktaUser('ana+tag@example.com', 'Ana', 'Lima', { displayName: 'A\u0000' })), 400, 'invalidValue');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'replace', path: 'displayName', value: 'x\u0000y' })), 400, 'invalidValue');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'add', value: { nickName: '\udc00' } })), 400, 'invalidValue');
        expectError(await acme.call('POST', '/Groups', { displayName: 'G\u0000' }), 400, 'invalidValue');
        expectError(await acme.call('PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'displayName', value: '\ud83d' })), 400, 'invalidValue');
      });
      expectError(await acme.call('GET', `/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`), 400, 'invalidFilter');
      expectError(await acme.call('POST', '/Users/.search', { filter: 'displayName co "\ud800"' }), 400, 'invalidFilter');
      expectError(await acme.call('POST', '/Groups/.search', { filter: 'displayName eq "\u0000"' }), 400, 'invalidFilter');
      expectError(await acme.call('POST', '/.search', { filter: 'displayName eq "\u0000"' }), 400, 'invalidFilter');
      // In the URL: an id that cannot be stored names no resource; an integration name, no integration.
      expectError(await acme.call('GET', '/Users/a%00b'), 400, 'invalidValue');
      expectError(await request(`${fixture.url}/scim/v2/ac%00me/Users`, 'GET', undefined, { authorization: `Bearer ${acme.token}` }), 401);
    });

    it('a string over its cap is 400 invalidValue naming the attribute; /Schemas states the cap', async () => {
      const at = (length: number) => oktaUser(`long${length}@example.com`, 'Long', 'Title', { title: 't'.repeat(length) });
      expect((await acme.call('POST', '/Users', at(1024))).status).toBe(201);
      await unchanged(async () => {
        const over = await acme.call('POST', '/Users', at(1025));
        expectError(over, 400, 'invalidValue');
        expect(over.body.detail).toContain('title');
        expectError(await acme.call('POST', '/Groups', { displayName: 'g'.repeat(1025) }), 400, 'invalidValue');
        expectError(await acme.call('PATCH', `/Users/${anaId}`, patch({ op: 'replace', path: `${ENTERPRISE_SCHEMA}:department`, value: 'd'.repeat(1025) })), 400, 'invalidValue');
      });
      const schema = (await acme.call('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User')).body;
      expect(schema.attributes.find((attribute: { name: string }) => attribute.name === 'title').description).toContain('At most 1,024 characters');
    });
  });

  describe('PATCH value filters compare as the attribute says (caseExact)', () => {
    it('emails[type eq "WORK"] finds the "work" email, as a GET filter does; members[value eq …] compares ids exactly', async () => {
      const id = (await acme.call('POST', '/Users', oktaUser('cased@example.com', 'Cased', 'Type', { emails: [{ type: 'work', value: 'cased@example.com' }, { type: 'Home', value: 'home@example.com' }] }))).body.id;
      expect((await acme.call('GET', `/Users?filter=${encodeURIComponent('emails[type eq "WORK"]')}&attributes=id`)).body.Resources.map((user: { id: string }) => user.id)).toContain(id);
      const patched = await acme.call(
        'PATCH',
        `/Users/${id}`,
        patch({ op: 'replace', path: 'emails[type eq "WORK"].value', value: 'cased.new@example.com' }, { op: 'remove', path: 'EMAILS[TYPE EQ "home"]' }),
      );
      expect(patched.status).toBe(200);
      expect(patched.body.emails).toEqual([{ type: 'work', value: 'cased.new@example.com' }]);

      const group = (await acme.call('POST', '/Groups', { displayName: 'Cased ids', members: [{ value: id }] })).body;
      // Ids are caseExact: an id in other case names no member, so nobody is removed.
      const kept = await acme.call('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: `members[value eq "${id.toUpperCase()}"]` }));
      expect(kept.body.members?.map((member: { value: string }) => member.value) ?? []).toEqual([id]);
      const removed = await acme.call('PATCH', `/Groups/${group.id}`, patch({ op: 'remove', path: `members[value eq "${id}"]` }));
      expect(removed.body.members ?? []).toEqual([]);
    });
  });

  describe('POST /.search at the root (RFC 7644 §3.4.3)', () => {
    it('searches users and groups at once, each with its meta.resourceType, paged as one list', async () => {
      const search = async (body: Record<string, unknown>) => {
        const answer = await globex.call('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body });
        expect(answer.status).toBe(200);
        return answer.body;
      };
      const before = await search({});
      const user = (await globex.call('POST', '/Users', oktaUser('root.search@example.com', 'Root', 'Search', { displayName: 'Rooted' }))).body;
      const group = (await globex.call('POST', '/Groups', { displayName: 'Rooted', members: [{ value: user.id }] })).body;

      const both = await search({ filter: 'displayName eq "rooted"' });
      expect(both.totalResults).toBe(2);
      expect(both.Resources.map((resource: { id: string; meta: { resourceType: string } }) => [resource.meta.resourceType, resource.id])).toEqual([
        ['User', user.id],
        ['Group', group.id],
      ]);
      // An attribute only users have finds no group; one neither type has is the client's mistake.
      expect((await search({ filter: 'userName eq "ROOT.SEARCH@example.com" or displayName eq "Rooted"' })).totalResults).toBe(2);
      expect((await search({ filter: 'userName eq "root.search@example.com"' })).Resources.map((resource: { id: string }) => resource.id)).toEqual([user.id]);
      expectError(await globex.call('POST', '/.search', { filter: 'favouriteColour eq "teal"' }), 400, 'invalidFilter');

      // Paging walks the users, then the groups: the page at the seam holds the last user and the first group.
      const users = (await globex.call('GET', '/Users?count=0')).body.totalResults;
      const groups = (await globex.call('GET', '/Groups?count=0')).body.totalResults;
      expect((await search({ count: 0 })).totalResults).toBe(users + groups);
      expect(users + groups).toBe(before.totalResults + 2);
      const seam = await search({ startIndex: users, count: 2, attributes: ['id'] });
      expect(seam).toMatchObject({ startIndex: users, itemsPerPage: 2, totalResults: users + groups });
      const lastUser = (await globex.call('GET', `/Users?startIndex=${users}&count=1`)).body.Resources[0].id;
      const firstGroup = (await globex.call('GET', '/Groups?count=1')).body.Resources[0].id;
      expect(seam.Resources).toEqual([{ schemas: expect.any(Array), id: lastUser }, { schemas: expect.any(Array), id: firstGroup }]);
      expect((await search({ startIndex: users + 1, count: 10 })).Resources.map((resource: { meta: { resourceType: string } }) => resource.meta.resourceType)).toEqual(
        Array.from({ length: groups }, () => 'Group'),
      );
      expect((await globex.call('GET', '/.search')).status).toBe(405);
    });
  });
});
