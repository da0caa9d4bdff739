import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../scim-directory/engines.ts';
import { ERROR, LIST_RESPONSE, oktaUser, startScimFixture, USER_SCHEMA, type ScimClient, type ScimFixture } from './scim-fixture.ts';

/**
 * Okta's published "SCIM 2.0 SPEC test" (okta-developer-docs, Okta-SCIM-20-SPEC-Test.json,
 * exported 2024-05-13), step by step and in order against a fresh integration, with every
 * assertion it makes (and step 9's case-insensitive match, which RFC 7643 asks for). The 2016
 * version's optional discovery steps follow. Okta's guide: create one user before running it.
 */

describe.each(engines())('on $name', (engine) => {
  let fixture: ScimFixture;
  let okta: ScimClient;

  const given = 'Runscope417';
  const family = 'Qbcdefghi123';
  const randomEmail = `${given}${family}@atko.com`;
  const randomUsernameCaps = randomEmail.toUpperCase();
  const userBody = {
    schemas: [USER_SCHEMA],
    userName: randomEmail,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: randomEmail, type: 'work' }],
    displayName: `${given} ${family}`,
    active: true,
  };
  let ISVUserid: string;
  let idUserOne: string;

  const filter = (value: string) => `/Users?filter=${encodeURIComponent(`userName eq "${value}"`)}`;
  /** Runscope's not_empty: present, and not null, "" or []. */
  const notEmpty = (value: unknown) => expect(value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0), `${JSON.stringify(value)} is not empty`).toBe(false);

  beforeAll(async () => {
    fixture = await startScimFixture({ engine });
    okta = await fixture.integration('okta');
    const seeded = await okta.call('POST', '/Users', oktaUser('seed.user@atko.com', 'Seed', 'User'));
    expect(seeded.status).toBe(201);
  });
  afterAll(async () => {
    await fixture?.close();
    await engine.cleanUp();
  });

  describe.sequential("Okta's SCIM 2.0 SPEC test", () => {
    it('1. Required Test: Test Users endpoint', async () => {
      const { status, body } = await okta.call('GET', '/Users?count=1&startIndex=1');
      expect(status).toBe(200);
      notEmpty(body.Resources);
      expect(body.schemas).toContain(LIST_RESPONSE);
      for (const key of ['itemsPerPage', 'startIndex', 'totalResults']) expect(typeof body[key], key).toBe('number');
      const [first] = body.Resources;
      for (const value of [first.id, first.name.familyName, first.name.givenName, first.userName, first.active, first.emails[0].value]) notEmpty(value);
      ISVUserid = first.id;
    });

    it('2. Required Test: Get Users/{{id}}', async () => {
      const { status, body } = await okta.call('GET', `/Users/${ISVUserid}`);
      expect(status).toBe(200);
      for (const value of [body.id, body.name.familyName, body.name.givenName, body.userName, body.active, body.emails[0].value]) notEmpty(value);
      expect(body.id).toBe(ISVUserid);
    });

    it('3. Test invalid User by username', async () => {
      const { status, body } = await okta.call('GET', filter('abcdefgh@atko.com'));
      expect(status).toBe(200);
      expect(body.schemas).toContain(LIST_RESPONSE);
      expect(body.totalResults).toBe(0);
    });

    it('4. Test invalid User by ID (an id that is not a UUID)', async () => {
      const { status, body } = await okta.call('GET', '/Users/010101001010101011001010101011');
      expect(status).toBe(404);
      notEmpty(body.detail);
      expect(body.schemas).toContain(ERROR);
    });

    it("5. Make sure random user doesn't exist", async () => {
      const { status, body } = await okta.call('GET', filter(randomEmail));
      expect(status).toBe(200);
      expect(body.totalResults).toBe(0);
      expect(body.schemas).toContain(LIST_RESPONSE);
    });

    it('6. Create Okta user with realistic values', async () => {
      const { status, body } = await okta.call('POST', '/Users', userBody, { accept: 'application/scim+json; charset=utf-8' });
      expect(status).toBe(201);
      expect(body.active).toBe(true);
      notEmpty(body.id);
      expect(body.name.familyName).toBe(family);
      expect(body.name.givenName).toBe(given);
      expect(body.schemas).toContain(USER_SCHEMA);
      expect(body.userName).toBe(randomEmail);
      idUserOne = body.id;
    });

    it('7. Verify that user was created', async () => {
      const { status, body } = await okta.call('GET', `/Users/${idUserOne}`);
      expect(status).toBe(200);
      expect([body.userName, body.name.familyName, body.name.givenName]).toEqual([randomEmail, family, given]);
    });

    it('8. Expect failure when recreating user with same values', async () => {
      const { status, body } = await okta.call('POST', '/Users', { ...userBody, emails: [{ primary: true, value: randomEmail, type: 'work' }] });
      expect(status).toBe(409);
      expect(body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    });

    it('9. Username Case Sensitivity Check (userName is caseExact false: the user is found)', async () => {
      const { status, body } = await okta.call('GET', filter(randomUsernameCaps));
      expect(status).toBe(200);
      expect(body.totalResults).toBe(1);
      expect(body.Resources[0].id).toBe(idUserOne);
    });

    it('10. Optional Test: Verify Groups endpoint', async () => {
      const { status, body } = await okta.call('GET', '/Groups');
      expect(status).toBe(200);
      if (body.totalResults >= 1) expect(Array.isArray(body.Resources)).toBe(true);
      else expect(body.totalResults).toBe(0);
    });

    it('11. Required Test: Check status 401', async () => {
      const { status, body } = await okta.call('GET', filter(randomUsernameCaps), undefined, { authorization: 'non-token' });
      expect(status).toBe(401);
      notEmpty(body.detail);
      expect(body.status).toBe('401');
      expect(body.schemas).toContain(ERROR);
    });

    it('12. Required Test: Check status 404', async () => {
      const { status, body } = await okta.call('GET', '/Users/00919288221112222');
      expect(status).toBe(404);
      notEmpty(body.detail);
      expect(body.status).toBe('404');
      expect(body.schemas).toContain(ERROR);
    });
  });

  describe("the 2016 SPEC test's optional discovery steps", () => {
    it('GET /ServiceProviderConfig states every capability', async () => {
      const { status, body } = await okta.call('GET', '/ServiceProviderConfig');
      expect(status).toBe(200);
      expect(body.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig');
      for (const key of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag', 'authenticationSchemes']) notEmpty(body[key]);
      for (const value of [body.authenticationSchemes[0].type, body.authenticationSchemes[0].description, body.filter.maxResults, body.bulk.maxPayloadSize]) notEmpty(value);
      // What Tenure does, truthfully: PATCH and filters, no bulk, sorting, ETags or password changes.
      expect(body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false }, sort: { supported: false }, etag: { supported: false }, changePassword: { supported: false } });
    });

    it.each(['/ServiceProviderConfig', '/ResourceTypes', '/Schemas'])('POST %s is 405', async (endpoint) => {
      const { status, body, headers } = await okta.call('POST', endpoint, 'test', { 'content-type': 'application/scim+json' });
      expect(status).toBe(405);
      expect(body).toMatchObject({ schemas: [ERROR], status: '405' });
      expect(headers.get('allow')).toBe('GET');
    });

    it('GET /ResourceTypes lists User and Group, each also by id', async () => {
      const { status, body } = await okta.call('GET', '/ResourceTypes');
      expect(status).toBe(200);
      expect(body.schemas).toContain(LIST_RESPONSE);
      expect(body.Resources.map((type: { name: string; endpoint: string; schema: string }) => [type.name, type.endpoint, type.schema])).toEqual([
        ['User', '/Users', USER_SCHEMA],
        ['Group', '/Groups', 'urn:ietf:params:scim:schemas:core:2.0:Group'],
      ]);
      expect((await okta.call('GET', '/ResourceTypes/Group')).body.endpoint).toBe('/Groups');
      expect((await okta.call('GET', '/ResourceTypes/Device')).status).toBe(404);
    });

    it('GET /Schemas lists the core, enterprise and group schemas with their attributes, each also by id', async () => {
      const { status, body } = await okta.call('GET', '/Schemas');
      expect(status).toBe(200);
      expect(body.Resources.map((schema: { id: string }) => schema.id)).toEqual([USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group']);
      notEmpty(body.Resources[0].attributes);
      const user = (await okta.call('GET', `/Schemas/${USER_SCHEMA}`)).body;
      expect(user.attributes.find((attribute: { name: string }) => attribute.name === 'userName')).toMatchObject({ required: true, caseExact: false, uniqueness: 'server' });
      expect(user.attributes.find((attribute: { name: string }) => attribute.name === 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    });
  });
});
