import type { OutboxEntry, StoredUser } from './types.ts';
import { ENTERPRISE_USER_SCHEMA } from './user-schema.ts';

/**
 * A SCIM user as a lifecycle policy sees it: one flat record, the shape every other source gives,
 * so conditions read `department eq "Sales"` rather than a SCIM path.
 *
 * | record key | from |
 * | --- | --- |
 * | id, userName, externalId, active | the user |
 * | givenName, familyName, middleName, honorificPrefix, honorificSuffix | name.* |
 * | formattedName | name.formatted |
 * | displayName, nickName, title, userType, preferredLanguage, locale, timezone, profileUrl | as named |
 * | email | the value of the primary email, else of the `work` one, else of the first |
 * | phoneNumber | the same rule over phoneNumbers |
 * | employeeNumber, costCenter, organization, division, department | the enterprise extension |
 * | manager, managerDisplayName | the enterprise extension's manager.value and manager.displayName |
 * | any other attribute | a string, number or boolean at the top level or in another extension (Okta's custom attributes), under its own name, unless a key above has it |
 * | groups | the display names of the user's groups, sorted |
 *
 * Empty and null values are left out, as an HR export leaves out an empty column.
 */

export type PolicyRecord = NonNullable<OutboxEntry['record']>;
type Scalar = string | number | boolean;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown): value is Scalar =>
  (typeof value === 'string' && value !== '') || typeof value === 'number' || typeof value === 'boolean';

/** The primary item's value, else the work one's, else the first one's. */
function preferredValue(items: unknown): Scalar | undefined {
  if (!Array.isArray(items)) return undefined;
  const objects = items.filter(isObject);
  const chosen =
    objects.find((item) => item.primary === true || String(item.primary).toLowerCase() === 'true') ??
    objects.find((item) => String(item.type).toLowerCase() === 'work') ??
    objects[0];
  return isScalar(chosen?.value) ? chosen.value : undefined;
}

const NAME_PARTS: Record<string, string> = {
  givenName: 'givenName',
  familyName: 'familyName',
  middleName: 'middleName',
  honorificPrefix: 'honorificPrefix',
  honorificSuffix: 'honorificSuffix',
  formatted: 'formattedName',
};
const SIMPLE = ['displayName', 'nickName', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'profileUrl'];
const ENTERPRISE = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'];
/** Resource keys the rules above consume (or that describe the resource rather than the person). */
const CONSUMED = new Set(['schemas', 'name', 'emails', 'phoneNumbers', ENTERPRISE_USER_SCHEMA, ...SIMPLE]);

export function policyRecord(user: StoredUser, groups: readonly string[]): PolicyRecord {
  const record: PolicyRecord = {};
  const put = (key: string, value: unknown) => {
    if (isScalar(value) && !(key in record)) record[key] = value;
  };
  put('id', user.id);
  put('userName', user.userName);
  put('externalId', user.externalId);
  record.active = user.active;

  const { resource } = user;
  const name = isObject(resource.name) ? resource.name : {};
  for (const [part, key] of Object.entries(NAME_PARTS)) put(key, name[part]);
  for (const key of SIMPLE) put(key, resource[key]);
  put('email', preferredValue(resource.emails));
  put('phoneNumber', preferredValue(resource.phoneNumbers));

  const enterprise = isObject(resource[ENTERPRISE_USER_SCHEMA]) ? (resource[ENTERPRISE_USER_SCHEMA] as Record<string, unknown>) : {};
  for (const key of ENTERPRISE) put(key, enterprise[key]);
  const manager = enterprise.manager;
  if (isObject(manager)) {
    put('manager', manager.value);
    put('managerDisplayName', manager.displayName);
  } else put('manager', manager);

  for (const [key, value] of Object.entries(resource)) {
    if (CONSUMED.has(key)) continue;
    if (key.toLowerCase().startsWith('urn:') && isObject(value)) for (const [inner, innerValue] of Object.entries(value)) put(inner, innerValue);
    else put(key, value);
  }
  record.groups = [...groups].sort((a, b) => a.localeCompare(b));
  return record;
}
