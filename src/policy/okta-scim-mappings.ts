/**
 * How a value Tenure writes into Okta comes back to it by SCIM: Okta's default attribute
 * mappings (Okta user profile → app user) of a "SCIM 2.0 Test App", by the Okta profile attribute
 * and the key of the SCIM source's record it arrives as (src/scim/directory/policy-record.ts
 * flattens the SCIM user into those keys). An administrator who changes a mapping in Okta's
 * Provisioning → To App tab changes what comes back; the echo rule then sees a real change,
 * which is the safe side.
 *
 * mobilePhone is not here: Okta pushes it as the `mobile` phone, which the record's
 * `phoneNumber` holds only when there is no primary (primaryPhone) one, so a value written to it
 * cannot be said to come back under that key.
 *
 * | Okta profile | SCIM attribute | record key |
 * | --- | --- | --- |
 * | login | userName | userName |
 * | firstName, lastName, middleName | name.givenName, name.familyName, name.middleName | givenName, familyName, middleName |
 * | honorificPrefix, honorificSuffix | name.honorificPrefix, name.honorificSuffix | as named |
 * | email | emails[type eq "work"].value | email |
 * | primaryPhone | phoneNumbers[type eq "work"].value, primary | phoneNumber |
 * | displayName, nickName, profileUrl, title, userType, preferredLanguage, locale, timezone | as named | as named |
 * | employeeNumber, costCenter, organization, division, department | the enterprise extension's, as named | as named |
 * | managerId | enterprise manager.value | manager |
 * | manager | enterprise manager.displayName | managerDisplayName |
 */
export const OKTA_PROFILE_TO_SCIM_RECORD: Readonly<Record<string, string>> = {
  login: 'userName',
  firstName: 'givenName',
  lastName: 'familyName',
  middleName: 'middleName',
  honorificPrefix: 'honorificPrefix',
  honorificSuffix: 'honorificSuffix',
  email: 'email',
  primaryPhone: 'phoneNumber',
  displayName: 'displayName',
  nickName: 'nickName',
  profileUrl: 'profileUrl',
  title: 'title',
  userType: 'userType',
  preferredLanguage: 'preferredLanguage',
  locale: 'locale',
  timezone: 'timezone',
  employeeNumber: 'employeeNumber',
  costCenter: 'costCenter',
  organization: 'organization',
  division: 'division',
  department: 'department',
  managerId: 'manager',
  manager: 'managerDisplayName',
};

/**
 * The record key of a SCIM user's group memberships: the display names of the pushed groups it
 * is in. Okta pushes a membership Tenure gave (MANAGE_RELATIONSHIPS) when the group is pushed.
 */
export const SCIM_GROUPS_ATTRIBUTE = 'groups';
