import { describe, expect, it } from 'vitest';
import { applySeed } from '../../src/emulator/okta/seed.ts';
import { expectOktaError, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

async function addCustomAttributes(properties: Record<string, unknown>) {
  return env.client.schemaApi.updateUserProfile({
    schemaId: 'default',
    userSchema: { definitions: { custom: { id: '#custom', type: 'object', properties: properties as never } } },
  });
}

describe('the user profile schema', () => {
  it("reads Okta's base attributes, the ones Tenure writes among them, and no custom ones in a new org", async () => {
    const schema = await env.client.schemaApi.getUserSchema({ schemaId: 'default' });
    const base = schema.definitions!.base!;
    expect(base.required).toEqual(['login', 'firstName', 'lastName', 'email']);
    const baseNames = Object.keys(base.properties as object);
    for (const name of ['login', 'email', 'firstName', 'lastName', 'department', 'title', 'managerId', 'userType', 'employeeNumber', 'costCenter', 'division', 'organization', 'manager', 'displayName', 'nickName']) {
      expect(baseNames).toContain(name);
    }
    expect(schema.definitions!.custom!.properties).toEqual({});
  });

  it('adds a custom attribute that users may then hold, and removes it given null', async () => {
    const added = await addCustomAttributes({ badgeColour: { title: 'Badge colour', type: 'string' } });
    expect(added.definitions!.custom!.properties).toMatchObject({ badgeColour: { title: 'Badge colour', type: 'string' } });
    const user = await env.client.userApi.createUser({ body: { profile: { ...newProfile(), badgeColour: 'green' } } });
    expect((await env.client.userApi.getUser({ userId: user.id! })).profile).toMatchObject({ badgeColour: 'green' });

    const removed = await addCustomAttributes({ badgeColour: null });
    expect(removed.definitions!.custom!.properties).toEqual({});
    expect((await env.client.schemaApi.getUserSchema({ schemaId: 'default' })).definitions!.custom!.properties).toEqual({});
  });

  it('refuses profile properties the schema does not define, on create and on update, naming each', async () => {
    await expectOktaError(env.client.userApi.createUser({ body: { profile: { ...newProfile(), shoeSize: '44', hatSize: 'L' } } }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: newUser',
      causes: ["Property name 'shoeSize' is not defined in profile", "Property name 'hatSize' is not defined in profile"],
    });
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    await expectOktaError(env.client.userApi.updateUser({ userId: user.id!, user: { profile: { shoeSize: '44' } as never } }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: user',
      causes: ["Property name 'shoeSize' is not defined in profile"],
    });
  });

  it('refuses a custom attribute that shadows a base one or lacks a type, changing nothing', async () => {
    await expectOktaError(
      addCustomAttributes({ Department: { title: 'Dept', type: 'string' }, floor: { title: 'Floor' }, desk: { title: 'Desk', type: 'string' } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: userSchema',
        causes: ['Department: Property name conflicts with the base property of the same name', 'floor.type: Must be one of string, boolean, integer, number, array'],
      },
    );
    expect((await env.client.schemaApi.getUserSchema({ schemaId: 'default' })).definitions!.custom!.properties).toEqual({});
  });

  it('answers 404 for a schema the org does not have', async () => {
    await expectOktaError(rawRequest(env, '/api/v1/meta/schemas/user/oscNoSuchType'), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: oscNoSuchType (UserSchema)',
    });
  });
});

describe('seeds', () => {
  it('may define custom attributes for their users, and are refused users holding undefined ones', () => {
    const store = env.emulator.store;
    const login = `seeded.${Date.now()}@example.com`;
    const profile = { login, email: login, firstName: 'Seed', lastName: 'Ed', locker: '12' };
    expect(() => applySeed(store, { users: [{ profile }] })).toThrow(
      'malformed seed at users[0].profile.locker: the user profile schema does not define it: add it to customAttributes',
    );
    applySeed(store, { customAttributes: { locker: { title: 'Locker', type: 'string' } }, users: [{ profile }] });
    expect(store.findUser(login)?.profile.locker).toBe('12');
  });
});
