/**
 * Policies name Okta attributes as Veza does (`first_name`); Okta's profile uses its own names.
 * Names not listed are custom profile attributes and pass through unchanged.
 */
const oktaNames: Record<string, string> = {
  login: 'login',
  email: 'email',
  first_name: 'firstName',
  last_name: 'lastName',
  display_name: 'displayName',
  user_type: 'userType',
  department: 'department',
  title: 'title',
  manager: 'manager',
  manager_id: 'managerId',
  employee_id: 'employeeNumber',
  division: 'division',
  organization: 'organization',
  cost_center: 'costCenter',
  country_code: 'countryCode',
  second_email: 'secondEmail',
  nickName: 'nickName',
};

export function toOktaProfile(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [oktaNames[name] ?? name, value]));
}

/** What Okta holds for the attributes a policy names, by the policy's names; absent ones are left out. */
export function fromOktaProfile(profile: Record<string, unknown> | undefined, names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = profile?.[oktaNames[name] ?? name];
      return value === undefined || value === null ? [] : [[name, String(value)]];
    }),
  );
}

/** Tenure writes the identity key here, so that a retried create recognises the user it made. */
/**
 * Whether SYNC_IDENTITIES writes this attribute to a user that exists already: never the login
 * (fixed at creation: renaming it would break the person's sign-in), nor one set at creation only.
 */
export function syncedOnExistingUser(name: string, createOnly: readonly string[]): boolean {
  return name !== 'login' && !createOnly.includes(name);
}

export const CORRELATION_ATTRIBUTE = 'employeeNumber';
