/**
 * The SCIM attributes the directory understands inside a user's `resource` (RFC 7643 §4.1 core User
 * and §4.3 enterprise extension), with their canonical names. Attribute names are case-insensitive
 * in SCIM, so what a client sends is stored under these names: filters, the policy record and the
 * SCIM layer then find `name.givenName` whether the client wrote `name`/`givenName` or `NAME`/`GIVENNAME`.
 * Attributes not listed here are kept as the client wrote them.
 */

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export interface AttributeSpec {
  type: 'string' | 'boolean' | 'complex';
  multiValued?: boolean;
  /** RFC 7643 `caseExact`: false (the default here) compares strings ignoring case. */
  caseExact?: boolean;
  subAttributes?: Readonly<Record<string, AttributeSpec>>;
}

const text: AttributeSpec = { type: 'string' };
const exactText: AttributeSpec = { type: 'string', caseExact: true };
const bool: AttributeSpec = { type: 'boolean' };

/** emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates: RFC 7643 §2.4's shape. */
const plural = (value: AttributeSpec = text): AttributeSpec => ({
  type: 'complex',
  multiValued: true,
  subAttributes: { value, display: text, type: text, primary: bool },
});

export const USER_RESOURCE_ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  name: {
    type: 'complex',
    subAttributes: { formatted: text, familyName: text, givenName: text, middleName: text, honorificPrefix: text, honorificSuffix: text },
  },
  displayName: text,
  nickName: text,
  profileUrl: exactText,
  title: text,
  userType: text,
  preferredLanguage: text,
  locale: text,
  timezone: text,
  emails: plural(),
  phoneNumbers: plural(),
  ims: plural(),
  photos: plural(exactText),
  entitlements: plural(),
  roles: plural(),
  x509Certificates: plural(exactText),
  addresses: {
    type: 'complex',
    multiValued: true,
    subAttributes: {
      formatted: text,
      streetAddress: text,
      locality: text,
      region: text,
      postalCode: text,
      country: text,
      type: text,
      primary: bool,
    },
  },
  [ENTERPRISE_USER_SCHEMA]: {
    type: 'complex',
    subAttributes: {
      employeeNumber: text,
      costCenter: text,
      organization: text,
      division: text,
      department: text,
      manager: { type: 'complex', subAttributes: { value: text, $ref: exactText, displayName: text } },
    },
  },
};

/** Finds `name` among `specs` ignoring case: the canonical name and its spec. */
export function findAttribute(specs: Readonly<Record<string, AttributeSpec>>, name: string): [string, AttributeSpec] | undefined {
  const lower = name.toLowerCase();
  for (const entry of Object.entries(specs)) if (entry[0].toLowerCase() === lower) return entry;
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function canonicalObject(object: Record<string, unknown>, specs: Readonly<Record<string, AttributeSpec>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const found = findAttribute(specs, key);
    if (!found) {
      out[key] = value;
      continue;
    }
    const [name, spec] = found;
    const sub = spec.subAttributes;
    if (sub && spec.multiValued && Array.isArray(value)) out[name] = value.map((item) => (isObject(item) ? canonicalObject(item, sub) : item));
    else if (sub && isObject(value)) out[name] = canonicalObject(value, sub);
    else out[name] = value;
  }
  return out;
}

/** `resource` with every attribute name this schema knows spelt canonically. */
export function canonicalUserResource(resource: Record<string, unknown>): Record<string, unknown> {
  return canonicalObject(resource, USER_RESOURCE_ATTRIBUTES);
}
