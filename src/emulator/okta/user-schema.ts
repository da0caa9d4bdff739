import { apiValidationFailed, fieldBlank } from './errors.ts';

/**
 * The org's user profile schema: Okta's base attributes, which every org has and none can remove,
 * and the custom attributes an admin adds (`/api/v1/meta/schemas/user/default`). A profile may
 * hold only attributes the schema defines.
 */

/** Okta's base user profile, by attribute name, with the titles Okta gives them. */
const BASE_TITLES: Readonly<Record<string, string>> = {
  login: 'Username',
  firstName: 'First name',
  lastName: 'Last name',
  middleName: 'Middle name',
  honorificPrefix: 'Honorific prefix',
  honorificSuffix: 'Honorific suffix',
  email: 'Primary email',
  title: 'Title',
  displayName: 'Display name',
  nickName: 'Nickname',
  profileUrl: 'Profile Url',
  secondEmail: 'Secondary email',
  mobilePhone: 'Mobile phone',
  primaryPhone: 'Primary phone',
  streetAddress: 'Street address',
  city: 'City',
  state: 'State',
  zipCode: 'Zip code',
  countryCode: 'Country code',
  postalAddress: 'Postal Address',
  preferredLanguage: 'Preferred language',
  locale: 'Locale',
  timezone: 'Time zone',
  userType: 'User type',
  employeeNumber: 'Employee number',
  costCenter: 'Cost center',
  organization: 'Organization',
  division: 'Division',
  department: 'Department',
  managerId: 'ManagerId',
  manager: 'Manager',
};

const BASE_REQUIRED = ['login', 'firstName', 'lastName', 'email'];

const ATTRIBUTE_TYPES = ['string', 'boolean', 'integer', 'number', 'array'] as const;

/** A custom attribute as the schema API describes it; what the emulator does not check is kept as given. */
export type CustomAttribute = Record<string, unknown> & { title: string; type: (typeof ATTRIBUTE_TYPES)[number] };

const lower = (name: string) => name.toLowerCase();
const BASE_NAMES = new Set(Object.keys(BASE_TITLES).map(lower));

export class UserSchema {
  private custom = new Map<string, CustomAttribute>();

  /** Whether a profile may hold the attribute. */
  defines(name: string): boolean {
    return Object.hasOwn(BASE_TITLES, name) || this.custom.has(name);
  }

  customAttributes(): Record<string, CustomAttribute> {
    return Object.fromEntries(this.custom);
  }

  replaceCustom(attributes: Record<string, CustomAttribute>): void {
    this.custom = new Map(Object.entries(attributes));
  }

  /**
   * Applies a partial update of `definitions.custom.properties`: an attribute given as null is
   * removed, any other is added or replaced. All or nothing: a bad attribute changes none.
   */
  updateCustom(properties: Record<string, unknown>): void {
    const next = new Map(this.custom);
    const causes: string[] = [];
    for (const [name, definition] of Object.entries(properties)) {
      if (definition === null) {
        next.delete(name);
        continue;
      }
      const problem = attributeProblem(name, definition);
      if (problem) causes.push(problem);
      else next.set(name, { ...(definition as CustomAttribute) });
    }
    if (causes.length > 0) throw apiValidationFailed('userSchema', causes);
    this.custom = next;
  }
}

function attributeProblem(name: string, definition: unknown): string | undefined {
  if (BASE_NAMES.has(lower(name))) return `${name}: Property name conflicts with the base property of the same name`;
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) return `${name}: The property definition must be an object`;
  const { title, type } = definition as Record<string, unknown>;
  if (typeof title !== 'string' || title.trim() === '') return fieldBlank(`${name}.title`);
  if (!ATTRIBUTE_TYPES.includes(type as CustomAttribute['type'])) return `${name}.type: Must be one of ${ATTRIBUTE_TYPES.join(', ')}`;
  return undefined;
}

const baseAttribute = (name: string, title: string) => ({
  title,
  type: 'string',
  ...(BASE_REQUIRED.includes(name) ? { required: true } : {}),
  mutability: 'READ_WRITE',
  scope: 'NONE',
  permissions: [{ principal: 'SELF', action: name === 'login' ? 'READ_ONLY' : 'READ_WRITE' }],
  master: { type: 'PROFILE_MASTER' },
});

/** The schema as `GET /api/v1/meta/schemas/user/default` answers it. */
export function userSchemaJson(schema: UserSchema, origin: string, created: string, lastUpdated: string): Record<string, unknown> {
  const id = `${origin}/meta/schemas/user/default`;
  return {
    id,
    $schema: 'http://json-schema.org/draft-04/schema#',
    name: 'user',
    title: 'User',
    description: 'Okta user profile template',
    lastUpdated,
    created,
    definitions: {
      custom: { id: '#custom', type: 'object', properties: schema.customAttributes(), required: [] },
      base: {
        id: '#base',
        type: 'object',
        properties: Object.fromEntries(Object.entries(BASE_TITLES).map(([name, title]) => [name, baseAttribute(name, title)])),
        required: BASE_REQUIRED,
      },
    },
    type: 'object',
    properties: { profile: { allOf: [{ $ref: '#/definitions/custom' }, { $ref: '#/definitions/base' }] } },
    _links: { self: { href: `${origin}/api/v1/meta/schemas/user/default` } },
  };
}
