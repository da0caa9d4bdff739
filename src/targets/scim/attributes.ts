import { ENTERPRISE_USER_SCHEMA } from '../../scim/schema-definitions.ts';

/**
 * How a policy's SYNC_IDENTITIES attributes (Veza's names, as for Okta) land in a SCIM 2.0 user
 * (RFC 7643 §4.1 and the enterprise extension §4.3), the way Okta's own SCIM app mappings carry
 * the same Okta attributes (see src/policy/okta-scim-mappings.ts). `login` is the userName;
 * `email` is the work email. An attribute not listed here cannot be sent to a SCIM target, and
 * validation says so.
 */
export const ENTERPRISE_USER = ENTERPRISE_USER_SCHEMA;

export const SCIM_ATTRIBUTES: Readonly<Record<string, string>> = {
  login: 'userName',
  email: 'emails[type eq "work"].value',
  first_name: 'name.givenName',
  last_name: 'name.familyName',
  display_name: 'displayName',
  nickName: 'nickName',
  title: 'title',
  user_type: 'userType',
  preferred_language: 'preferredLanguage',
  locale: 'locale',
  timezone: 'timezone',
  employee_id: `${ENTERPRISE_USER}:employeeNumber`,
  department: `${ENTERPRISE_USER}:department`,
  division: `${ENTERPRISE_USER}:division`,
  organization: `${ENTERPRISE_USER}:organization`,
  cost_center: `${ENTERPRISE_USER}:costCenter`,
  manager_id: `${ENTERPRISE_USER}:manager.value`,
};

/** The SCIM path a policy attribute is written to, or undefined when a SCIM target cannot take it. */
export function scimAttributePath(name: string): string | undefined {
  return Object.hasOwn(SCIM_ATTRIBUTES, name) ? SCIM_ATTRIBUTES[name] : undefined;
}
