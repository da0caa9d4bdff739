import { ScimError } from './errors.ts';
import { unstorableText } from './storable-text.ts';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  maxLengthOf,
  schemaById,
  USER_SCHEMA,
  type AttributeDefinition,
  type SchemaDefinition,
} from './schema-definitions.ts';

/**
 * What a resource type is made of, and how a client's JSON becomes Tenure's: RFC 7643 §2.1 makes
 * attribute names case-insensitive, so every name is brought to its schema spelling here, once,
 * before anything else (the PATCH library, the directory, the record policies read) sees it.
 */
export interface ResourceShape {
  resourceType: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

export const USER_SHAPE: ResourceShape = { resourceType: 'User', endpoint: '/Users', core: schemaById(USER_SCHEMA), extensions: [schemaById(ENTERPRISE_USER_SCHEMA)] };
export const GROUP_SHAPE: ResourceShape = { resourceType: 'Group', endpoint: '/Groups', core: schemaById(GROUP_SCHEMA), extensions: [] };

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function findAttribute(attributes: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === lower);
}

/** The top-level attributes of a shape's core schema, with id, externalId and meta. */
export function coreAttributes(shape: ResourceShape): AttributeDefinition[] {
  return [...COMMON_ATTRIBUTES, ...shape.core.attributes];
}

export function findExtension(shape: ResourceShape, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return shape.extensions.find((schema) => schema.id.toLowerCase() === lower);
}

/**
 * Splits a schema URN off an attribute path (`urn:…:enterprise:2.0:User:department`), so that the
 * rest is looked up in that schema. The core schema's own URN is dropped: its attributes are top level.
 */
export function splitUrn(shape: ResourceShape, path: string): { extension: SchemaDefinition | undefined; rest: string } {
  const lower = path.toLowerCase();
  for (const schema of shape.extensions) {
    const id = schema.id.toLowerCase();
    if (lower === id) return { extension: schema, rest: '' };
    if (lower.startsWith(`${id}:`)) return { extension: schema, rest: path.slice(id.length + 1) };
  }
  const core = shape.core.id.toLowerCase();
  if (lower.startsWith(`${core}:`)) return { extension: undefined, rest: path.slice(core.length + 1) };
  return { extension: undefined, rest: path };
}

const writable = (attribute: AttributeDefinition) => attribute.mutability !== 'readOnly' && attribute.mutability !== 'writeOnly';

/** A string, number or boolean where the schema says so; Entra sends booleans as "True"/"False". */
function scalar(attribute: AttributeDefinition, value: unknown, where: string): unknown {
  switch (attribute.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw new ScimError(400, 'invalidValue', `${where} must be true or false`);
    case 'integer':
    case 'decimal':
      if (typeof value === 'number' && (attribute.type === 'decimal' || Number.isInteger(value))) return value;
      throw new ScimError(400, 'invalidValue', `${where} must be ${attribute.type === 'integer' ? 'a whole number' : 'a number'}`);
    default: {
      // An id or an employee number sent as a JSON number is still that identifier.
      const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
      if (text === undefined) throw new ScimError(400, 'invalidValue', `${where} must be a string`);
      const problem = unstorableText(text);
      if (problem) throw new ScimError(400, 'invalidValue', `${where} ${problem}`);
      const max = maxLengthOf(attribute.type);
      if (max !== undefined && text.length > max) throw new ScimError(400, 'invalidValue', `${where} is ${text.length} characters long; at most ${max} are allowed`);
      return text;
    }
  }
}

function single(attribute: AttributeDefinition, value: unknown, where: string): unknown {
  if (attribute.type !== 'complex') return scalar(attribute, value, where);
  if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${where} must be an object`);
  return clean(attribute.subAttributes ?? [], value, where);
}

/** A value as the schema has it, or undefined for null (RFC 7643 §2.5: null is "unassigned"). */
function cleanValue(attribute: AttributeDefinition, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!attribute.multiValued) return single(attribute, value, where);
  if (!Array.isArray(value)) throw new ScimError(400, 'invalidValue', `${where} must be a list`);
  const items = value.filter((item) => item !== null).map((item, index) => single(attribute, item, `${where}[${index}]`));
  return items.length > 0 ? items : undefined;
}

/** Keeps the writable attributes the schema knows, under their schema names; the rest is ignored. */
function clean(attributes: AttributeDefinition[], body: Json, where: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(body)) {
    const attribute = findAttribute(attributes, key);
    if (!attribute || !writable(attribute)) continue;
    const kept = cleanValue(attribute, value, where ? `${where}.${attribute.name}` : attribute.name);
    if (kept !== undefined) out[attribute.name] = kept;
  }
  return out;
}

/**
 * The writable content of a resource a client sent (POST, PUT, or the outcome of a PATCH): known
 * attributes under their schema names, extensions under their URNs. `id`, `meta`, `schemas`,
 * `password`, `groups` and unknown attributes are dropped, never refused; a known attribute of the
 * wrong type is refused with 400 invalidValue, before anything is stored.
 */
export function cleanResource(shape: ResourceShape, body: unknown): Json {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', `the body must be a JSON object (a SCIM ${shape.resourceType})`);
  const core: Json = {};
  const extensions: Json = {};
  for (const [key, value] of Object.entries(body)) {
    const extension = findExtension(shape, key);
    if (!extension) {
      core[key] = value;
      continue;
    }
    if (value === null) continue;
    if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${extension.id} must be an object`);
    const kept = clean(extension.attributes, value, extension.id);
    if (Object.keys(kept).length > 0) extensions[extension.id] = kept;
  }
  return { ...clean(coreAttributes(shape), core, ''), ...extensions };
}

/** The attribute's name and sub-attribute names spelled as the schema spells them; values untouched. */
export function canonicalKeys(attribute: AttributeDefinition, value: unknown): unknown {
  if (attribute.type !== 'complex') return value;
  const rename = (item: unknown) => {
    if (!isObject(item)) return item;
    return Object.fromEntries(Object.entries(item).map(([key, inner]) => [findAttribute(attribute.subAttributes ?? [], key)?.name ?? key, inner]));
  };
  return Array.isArray(value) ? value.map(rename) : rename(value);
}

/** A required string attribute, present and not blank, or 400 invalidValue naming it. */
export function requiredString(resource: Json, name: string, what: string): string {
  const value = resource[name];
  if (typeof value !== 'string' || value.trim() === '') throw new ScimError(400, 'invalidValue', `${name} is required: ${what}`);
  return value;
}
