/**
 * The resource schemas Tenure serves (RFC 7643 §4 and §8.7): the User, the enterprise extension
 * and the Group. One table serves discovery (/Schemas), the case-insensitive attribute names of
 * requests (RFC 7643 §2.1), input type checks and which attributes a client may not write.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDefinition[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'description'>>;

/**
 * The longest text an attribute takes, in UTF-16 code units (JavaScript's length). A cap keeps one
 * user's record, which travels to Temporal as one payload, far below Temporal's payload limit.
 * Certificates (base64 DER) and URLs run longer than names.
 */
export function maxLengthOf(type: AttributeType): number | undefined {
  if (type === 'binary') return 8192;
  if (type === 'reference') return 2048;
  return type === 'string' ? 1024 : undefined;
}

function attribute(name: string, description: string, options: Options = {}): AttributeDefinition {
  const type = options.type ?? 'string';
  const max = maxLengthOf(type);
  // RFC 7643 §7 has no characteristic for a length, so the description states it.
  const limit = max === undefined ? '' : ` At most ${max.toLocaleString('en-US')} characters.`;
  return {
    name,
    type: 'string',
    multiValued: false,
    description: `${description}${limit}`,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

/** A URL's path and query are case-sensitive (RFC 3986 §6.2.2.1), so URLs compare exactly. */
const URL_CASE_EXACT = true;

const complex = (name: string, description: string, subAttributes: AttributeDefinition[], options: Options = {}) =>
  attribute(name, description, { type: 'complex', subAttributes, ...options });

/** The sub-attributes every multi-valued attribute of RFC 7643 §2.4 has. */
function multiValued(name: string, description: string, types: string[], options: { value?: Options; extra?: AttributeDefinition[] } = {}): AttributeDefinition {
  return complex(
    name,
    description,
    [
      attribute('value', `The ${name} value.`, options.value),
      attribute('display', 'A human-readable name, primarily used for display purposes.'),
      attribute('type', `A label indicating the ${name}'s function.`, types.length > 0 ? { canonicalValues: types } : {}),
      attribute('primary', "Whether this is the primary or preferred value; at most one is.", { type: 'boolean' }),
      ...(options.extra ?? []),
    ],
    { multiValued: true },
  );
}

const userAttributes: AttributeDefinition[] = [
  attribute('userName', 'Unique identifier for the User, compared ignoring case.', { required: true, uniqueness: 'server' }),
  complex('name', "The components of the user's real name.", [
    attribute('formatted', 'The full name, formatted for display.'),
    attribute('familyName', 'The family name (last name).'),
    attribute('givenName', 'The given name (first name).'),
    attribute('middleName', 'The middle name(s).'),
    attribute('honorificPrefix', 'The honorific prefix(es), e.g. Ms.'),
    attribute('honorificSuffix', 'The honorific suffix(es), e.g. III.'),
  ]),
  attribute('displayName', 'The name of the User, suitable for display to end-users.'),
  attribute('nickName', 'The casual way to address the user.'),
  attribute('profileUrl', "A URI of the User's online profile.", { type: 'reference', referenceTypes: ['external'], caseExact: URL_CASE_EXACT }),
  attribute('title', "The user's title, such as \"Vice President\"."),
  attribute('userType', 'The relationship between the organization and the user, e.g. Employee or Contractor.'),
  attribute('preferredLanguage', "The User's preferred written or spoken language."),
  attribute('locale', "The User's default location for localization, e.g. en-US."),
  attribute('timezone', "The User's time zone in IANA format, e.g. America/Los_Angeles."),
  attribute('active', "The User's administrative status; false is a leaver.", { type: 'boolean' }),
  attribute('password', 'Accepted and discarded: Tenure never stores or returns a password.', { mutability: 'writeOnly', returned: 'never', caseExact: true }),
  multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
  multiValued('phoneNumbers', 'Phone numbers for the User.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multiValued('ims', 'Instant messaging addresses for the User.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
  multiValued('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], { value: { type: 'reference', referenceTypes: ['external'], caseExact: URL_CASE_EXACT } }),
  complex(
    'addresses',
    'A physical mailing address for this User.',
    [
      attribute('formatted', 'The full mailing address, formatted for display.'),
      attribute('streetAddress', 'The full street address component.'),
      attribute('locality', 'The city or locality component.'),
      attribute('region', 'The state or region component.'),
      attribute('postalCode', 'The zip code or postal code component.'),
      attribute('country', 'The country name component (ISO 3166-1 alpha-2).'),
      attribute('type', "A label indicating the address's function.", { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'Whether this is the primary address.', { type: 'boolean' }),
    ],
    { multiValued: true },
  ),
  complex(
    'groups',
    'The groups the user belongs to; read-only, changed through the Group resource.',
    [
      attribute('value', 'The identifier of the group.', { mutability: 'readOnly', caseExact: true }),
      attribute('$ref', 'The URI of the Group.', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }),
      attribute('display', "The group's displayName.", { mutability: 'readOnly' }),
      attribute('type', 'direct: Tenure has no nested groups.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
  multiValued('entitlements', 'Entitlements for the User.', []),
  multiValued('roles', 'Roles for the User.', []),
  multiValued('x509Certificates', 'Certificates issued to the User.', [], { value: { type: 'binary', caseExact: true } }),
];

const enterpriseAttributes: AttributeDefinition[] = [
  attribute('employeeNumber', 'A string identifier, typically numeric or alphanumeric, assigned to a person.'),
  attribute('costCenter', 'Identifies the name of a cost center.'),
  attribute('organization', 'Identifies the name of an organization.'),
  attribute('division', 'Identifies the name of a division.'),
  attribute('department', 'Identifies the name of a department.'),
  complex('manager', "The User's manager.", [
    attribute('value', 'The id of the SCIM resource representing the manager.'),
    attribute('$ref', 'The URI of the manager.', { type: 'reference', referenceTypes: ['User'], caseExact: URL_CASE_EXACT }),
    attribute('displayName', "The manager's displayName.", { mutability: 'readOnly' }),
  ]),
];

const groupAttributes: AttributeDefinition[] = [
  attribute('displayName', 'A human-readable name for the Group, unique in the integration and compared ignoring case.', { required: true, uniqueness: 'server' }),
  complex(
    'members',
    'The members of the Group: users the same integration holds.',
    [
      attribute('value', 'The id of the member user.', { mutability: 'immutable', caseExact: true }),
      attribute('$ref', 'The URI of the member.', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
      attribute('display', "The member's displayName, or its userName.", { mutability: 'readOnly' }),
      attribute('type', 'User: groups do not nest.', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
    { multiValued: true },
  ),
];

/** Attributes of every resource (RFC 7643 §3.1); ignored when a client sends them, except externalId. */
export const COMMON_ATTRIBUTES: AttributeDefinition[] = [
  attribute('id', 'Unique identifier of the resource, issued by Tenure.', { mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }),
  attribute('externalId', "The client's identifier of the resource (Okta's user or group id).", { caseExact: true }),
  complex(
    'meta',
    'Resource metadata.',
    [
      attribute('resourceType', 'User or Group.', { mutability: 'readOnly', caseExact: true }),
      attribute('created', 'When the resource was added.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('lastModified', 'When the resource was last changed.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('location', 'The URI of the resource.', { type: 'reference', mutability: 'readOnly', caseExact: true }),
      attribute('version', 'The version of the resource.', { mutability: 'readOnly', caseExact: true }),
    ],
    { mutability: 'readOnly' },
  ),
];

export const SCHEMAS: SchemaDefinition[] = [
  { id: USER_SCHEMA, name: 'User', description: 'User Account', attributes: userAttributes },
  { id: ENTERPRISE_USER_SCHEMA, name: 'EnterpriseUser', description: 'Enterprise User', attributes: enterpriseAttributes },
  { id: GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: groupAttributes },
];

export function schemaById(id: string): SchemaDefinition {
  return SCHEMAS.find((schema) => schema.id === id)!;
}
