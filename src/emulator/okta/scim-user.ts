import { createHash } from 'node:crypto';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../../scim/schema-definitions.ts';
import type { UserRecord } from './user-store.ts';

/**
 * The SCIM user Okta pushes for an Okta user, by the default attribute mappings of the "SCIM 2.0
 * Test App" (Okta's SCIM 2.0 Protocol Reference): the login is the userName, the Okta id the
 * externalId, and the optional attributes appear only when the Okta profile has them. `active` and
 * the generated password are added by the push itself.
 */

type Profile = Record<string, unknown>;

/** A profile value worth pushing: Okta leaves out attributes that are unset or empty. */
function given(profile: Profile, attribute: string): string | undefined {
  const value = profile[attribute];
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

/** Copies the set attributes of `from` (Okta's names) into an object under SCIM's names. */
function pick(profile: Profile, names: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [scim, okta] of Object.entries(names)) {
    const value = given(profile, okta);
    if (value !== undefined) out[scim] = value;
  }
  return out;
}

const CORE_SINGLES = {
  nickName: 'nickName',
  title: 'title',
  userType: 'userType',
  preferredLanguage: 'preferredLanguage',
  timezone: 'timezone',
  profileUrl: 'profileUrl',
} as const;

const ENTERPRISE_SINGLES = {
  employeeNumber: 'employeeNumber',
  costCenter: 'costCenter',
  organization: 'organization',
  division: 'division',
  department: 'department',
} as const;

const WORK_ADDRESS = {
  streetAddress: 'streetAddress',
  locality: 'city',
  region: 'state',
  postalCode: 'zipCode',
  country: 'countryCode',
} as const;

export function scimUserOf(user: Pick<UserRecord, 'id' | 'profile'>): Record<string, unknown> {
  const { profile } = user;
  const login = String(profile.login);
  const firstName = given(profile, 'firstName') ?? '';
  const lastName = given(profile, 'lastName') ?? '';
  const body: Record<string, unknown> = {
    schemas: [USER_SCHEMA],
    userName: login,
    name: { givenName: firstName, familyName: lastName },
    emails: [{ primary: true, value: given(profile, 'email') ?? login, type: 'work' }],
    displayName: given(profile, 'displayName') ?? `${firstName} ${lastName}`.trim(),
    // Okta's users have en_US unless told otherwise; SCIM takes the language tag.
    locale: (given(profile, 'locale') ?? 'en_US').replace('_', '-'),
    externalId: user.id,
    groups: [],
    ...pick(profile, CORE_SINGLES),
  };
  const phones = [
    ...(given(profile, 'primaryPhone') ? [{ value: given(profile, 'primaryPhone'), type: 'work', primary: true }] : []),
    ...(given(profile, 'mobilePhone') ? [{ value: given(profile, 'mobilePhone'), type: 'mobile' }] : []),
  ];
  if (phones.length > 0) body.phoneNumbers = phones;
  const address = pick(profile, WORK_ADDRESS);
  if (Object.keys(address).length > 0) body.addresses = [{ ...address, type: 'work', primary: true }];

  const enterprise: Record<string, unknown> = pick(profile, ENTERPRISE_SINGLES);
  const managerId = given(profile, 'managerId');
  const manager = given(profile, 'manager');
  if (managerId !== undefined || manager !== undefined) {
    enterprise.manager = { ...(managerId ? { value: managerId } : {}), ...(manager ? { displayName: manager } : {}) };
  }
  if (Object.keys(enterprise).length > 0) {
    body.schemas = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA];
    body[ENTERPRISE_USER_SCHEMA] = enterprise;
  }
  return body;
}

/** A digest of what a push would send, so that only a change to a mapped attribute is pushed. */
export function bodyKey(body: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('base64url');
}
