import { findAttribute, isObject } from '../resource-shape.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, schemaById, USER_SCHEMA, type AttributeDefinition } from '../schema-definitions.ts';

/**
 * The SCIM attributes the directory understands inside a user's `resource`, taken from the one
 * table that also serves /Schemas (src/scim/schema-definitions.ts), so that what discovery states
 * (names, types, caseExact) is what filters and storage do. Attribute names are case-insensitive in
 * SCIM, so what a client sends is stored under these names: filters, the policy record and the SCIM
 * layer then find `name.givenName` whether the client wrote `name`/`givenName` or `NAME`/`GIVENNAME`.
 * Attributes not listed here are kept as the client wrote them.
 */

export { ENTERPRISE_USER_SCHEMA };
export const CORE_USER_SCHEMA = USER_SCHEMA;
export const CORE_GROUP_SCHEMA = GROUP_SCHEMA;

/**
 * The core User's attributes, and the enterprise extension as one complex attribute under its URN,
 * which is how a user's `resource` holds it. (userName, active, externalId and groups are listed
 * too, but the directory keeps them in columns and a join, so `resource` never holds them.)
 */
export const USER_RESOURCE_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...schemaById(USER_SCHEMA).attributes,
  {
    name: ENTERPRISE_USER_SCHEMA,
    type: 'complex',
    multiValued: false,
    description: 'Enterprise User',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    subAttributes: schemaById(ENTERPRISE_USER_SCHEMA).attributes,
  },
];

function canonicalObject(object: Record<string, unknown>, attributes: readonly AttributeDefinition[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const attribute = findAttribute(attributes, key);
    if (!attribute) {
      out[key] = value;
      continue;
    }
    const sub = attribute.subAttributes;
    if (sub && attribute.multiValued && Array.isArray(value)) out[attribute.name] = value.map((item) => (isObject(item) ? canonicalObject(item, sub) : item));
    else if (sub && isObject(value)) out[attribute.name] = canonicalObject(value, sub);
    else out[attribute.name] = value;
  }
  return out;
}

/** `resource` with every attribute name this schema knows spelt canonically. */
export function canonicalUserResource(resource: Record<string, unknown>): Record<string, unknown> {
  return canonicalObject(resource, USER_RESOURCE_ATTRIBUTES);
}
