import { parse, stringify, type Filter } from 'scim2-parse-filter';
import { scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { ScimError, type ScimType } from './errors.ts';
import { canonicalKeys, coreAttributes, findAttribute, findExtension, isObject, splitUrn, type ResourceShape } from './resource-shape.ts';
import type { AttributeDefinition } from './schema-definitions.ts';

/**
 * RFC 7644 §3.5.2 PATCH, applied with scim-patch after Tenure has done what the library does not:
 * - attribute names (paths, value keys, names inside value filters) are brought to their schema
 *   spelling, since scim-patch would add `Active` beside `active`;
 * - op names in any case (`Replace`, `ADD`);
 * - a path-less add/replace becomes one operation per attribute, so that read-only attributes in
 *   the value (Okta's group rename sends `id`) and `password` (Okta's password sync) are dropped
 *   and unknown attributes ignored, as in a POST;
 * - `remove members` with a list of values (Entra's shape) becomes one `members[value eq …]`
 *   removal each, since scim-patch only removes entries equal in every sub-attribute.
 * The outcome is checked by the caller as a whole resource (types, required attributes).
 */

const OPS = new Set(['add', 'remove', 'replace']);

type Json = Record<string, unknown>;
export type PatchOperation = { op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown };
type Operation = PatchOperation;

/** The `]` that closes the `[` at `open`, skipping brackets inside quoted filter values. */
function closingBracket(path: string, open: number): number {
  let quoted = false;
  for (let index = open + 1; index < path.length; index++) {
    const char = path[index];
    if (quoted && char === '\\') index++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === ']') return index;
  }
  throw new ScimError(400, 'invalidPath', `the path "${path}" has a "[" that is not closed`);
}

function renameFilter(filter: Filter, attributes: AttributeDefinition[]): Filter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return { ...filter, filters: filter.filters.map((inner) => renameFilter(inner, attributes)) };
    case 'not':
      return { ...filter, filter: renameFilter(filter.filter, attributes) };
    case '[]':
      return filter;
    default:
      return { ...filter, attrPath: findAttribute(attributes, filter.attrPath)?.name ?? filter.attrPath } as Filter;
  }
}

interface ResolvedPath {
  path: string;
  attribute: AttributeDefinition;
  /** The sub-attribute the path ends in, when it names one (`name.givenName`, `emails[…].value`). */
  sub: AttributeDefinition | undefined;
}

/**
 * The path spelled as the schema spells it, or undefined when it names an attribute Tenure does
 * not keep (unknown, or `password`): such an operation is ignored, as an unknown attribute in a body is.
 */
function resolvePath(shape: ResourceShape, raw: string): ResolvedPath | undefined {
  const { extension, rest } = splitUrn(shape, raw.trim());
  if (extension && rest === '') {
    throw new ScimError(400, 'invalidPath', `the path "${raw}" names a whole schema: name one of its attributes`);
  }
  const attributes = extension ? extension.attributes : coreAttributes(shape);
  const nameEnd = rest.search(/[.[]/);
  const name = nameEnd < 0 ? rest : rest.slice(0, nameEnd);
  const attribute = findAttribute(attributes, name);
  if (!attribute || attribute.mutability === 'writeOnly') return undefined;
  if (attribute.mutability === 'readOnly') throw new ScimError(400, 'mutability', `${attribute.name} is read-only`);
  let filterText: string | undefined;
  let after = nameEnd < 0 ? '' : rest.slice(nameEnd);
  if (after.startsWith('[')) {
    const close = closingBracket(after, 0);
    filterText = after.slice(1, close);
    after = after.slice(close + 1);
  }
  let sub: AttributeDefinition | undefined;
  if (after.startsWith('.')) {
    sub = findAttribute(attribute.subAttributes ?? [], after.slice(1));
    if (!sub) return undefined;
  } else if (after !== '') {
    throw new ScimError(400, 'invalidPath', `the path "${raw}" is not an attribute path`);
  }
  let filter = '';
  if (filterText !== undefined) {
    try {
      filter = `[${stringify(renameFilter(parse(filterText), attribute.subAttributes ?? []))}]`;
    } catch (error) {
      if (error instanceof ScimError) throw error;
      throw new ScimError(400, 'invalidPath', `the filter in "${raw}" is not a SCIM filter: ${(error as Error).message}`);
    }
  }
  const prefix = extension ? `${extension.id}:` : '';
  return { path: `${prefix}${attribute.name}${filter}${sub ? `.${sub.name}` : ''}`, attribute, sub };
}

const quote = (value: string) => JSON.stringify(value);

/** One client operation as the operations scim-patch should apply. */
function normalise(shape: ResourceShape, raw: unknown, index: number): Operation[] {
  if (!isObject(raw)) throw new ScimError(400, 'invalidSyntax', `Operations[${index}] must be an object`);
  const entry = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value]));
  const op = typeof entry.op === 'string' ? entry.op.toLowerCase() : undefined;
  if (!op || !OPS.has(op)) throw new ScimError(400, 'invalidSyntax', `Operations[${index}].op must be add, remove or replace`);
  const kind = op as Operation['op'];
  const value = entry.value;
  if (entry.path === undefined || entry.path === null || entry.path === '') {
    if (kind === 'remove') throw new ScimError(400, 'noTarget', `Operations[${index}] removes without a path`);
    if (!isObject(value)) throw new ScimError(400, 'invalidValue', `Operations[${index}] has no path, so its value must be an object of attributes`);
    return Object.entries(value).flatMap(([key, inner]) => {
      const extension = findExtension(shape, key);
      if (extension) {
        if (!isObject(inner)) throw new ScimError(400, 'invalidValue', `${extension.id} must be an object`);
        return Object.entries(inner).flatMap(([name, innerValue]) => pathOperation(shape, kind, `${extension.id}:${name}`, innerValue, true));
      }
      return pathOperation(shape, kind, key, inner, true);
    });
  }
  if (typeof entry.path !== 'string') throw new ScimError(400, 'invalidPath', `Operations[${index}].path must be a string`);
  return pathOperation(shape, kind, entry.path, value, false);
}

function pathOperation(shape: ResourceShape, op: Operation['op'], rawPath: string, value: unknown, fromValue: boolean): Operation[] {
  let resolved: ResolvedPath | undefined;
  try {
    resolved = resolvePath(shape, rawPath);
  } catch (error) {
    // A read-only attribute inside a path-less value (Okta's rename sends the group's own id) is ignored, as in a POST.
    if (fromValue && error instanceof ScimError && error.scimType === 'mutability') return [];
    throw error;
  }
  if (!resolved) return [];
  const { path, attribute, sub } = resolved;
  if (op === 'remove') {
    // Entra removes members by listing them; scim-patch would keep any whose display differs.
    if (Array.isArray(value) && attribute.multiValued && !path.includes('[') && !sub) {
      return value.flatMap((item) => (isObject(item) && typeof item.value === 'string' ? [{ op, path: `${path}[value eq ${quote(item.value)}]` }] : []));
    }
    return [{ op, path }];
  }
  return [{ op, path, value: sub ? value : canonicalKeys(attribute, value) }];
}

const SCIM_PATCH_TYPES: Record<string, ScimType> = { invalidSyntax: 'invalidSyntax', invalidPath: 'invalidPath', noTarget: 'noTarget', invalidValue: 'invalidValue', mutability: 'mutability' };

/** The operations of a PATCH body, checked and spelled as the schema does, before any resource is read. */
export function patchOperations(shape: ResourceShape, body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a PatchOp message: {"schemas": [...PatchOp], "Operations": [...]}');
  const operationsKey = Object.keys(body).find((key) => key.toLowerCase() === 'operations');
  const raw = operationsKey ? body[operationsKey] : undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw new ScimError(400, 'invalidSyntax', 'the body must have "Operations", a list of at least one operation');
  return raw.flatMap((operation, index) => normalise(shape, operation, index));
}

/** Comparisons a case-insensitive sub-attribute answers ignoring case (ordering ones are left as written). */
const FOLDED: Record<string, (actual: string, given: string) => boolean> = {
  eq: (actual, given) => actual === given,
  ne: (actual, given) => actual === given,
  co: (actual, given) => actual.includes(given),
  sw: (actual, given) => actual.startsWith(given),
  ew: (actual, given) => actual.endsWith(given),
};

/**
 * `filter` with each comparison on a caseExact=false sub-attribute rewritten to exact comparisons
 * with the values `items` actually hold that match ignoring case, as the GET filter compares.
 * scim-patch's filter compares exactly, so `emails[type eq "WORK"]` would otherwise miss "work".
 */
function foldCase(filter: Filter, subAttributes: readonly AttributeDefinition[], items: unknown[]): Filter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return { ...filter, filters: filter.filters.map((inner) => foldCase(inner, subAttributes, items)) };
    case 'not':
      return { ...filter, filter: foldCase(filter.filter, subAttributes, items) };
    case '[]':
    case 'pr':
      return filter;
  }
  const { attrPath, compValue } = filter as { attrPath: string; compValue: unknown };
  const matches = FOLDED[filter.op];
  const sub = findAttribute(subAttributes, attrPath);
  if (!matches || !sub || sub.caseExact || typeof compValue !== 'string') return filter;
  const given = compValue.toLowerCase();
  const held = new Set(items.flatMap((item) => (isObject(item) && typeof item[attrPath] === 'string' ? [item[attrPath] as string] : [])));
  const alike = [...held].filter((actual) => matches(actual.toLowerCase(), given));
  // No value matches even ignoring case: the filter as written matches none either.
  if (alike.length === 0) return filter;
  const each = alike.map((actual) => ({ op: filter.op === 'ne' ? 'ne' : 'eq', attrPath, compValue: actual }) as Filter);
  return each.length === 1 ? each[0]! : ({ op: filter.op === 'ne' ? 'and' : 'or', filters: each } as Filter);
}

/** The operation's path with its value filter folded for case against the resource's current values. */
function foldPathCase(shape: ResourceShape, current: Json, operation: Operation): Operation {
  const path = operation.path;
  const open = path?.indexOf('[') ?? -1;
  if (!path || open < 0) return operation;
  const close = closingBracket(path, open);
  const head = path.slice(0, open);
  const { extension, rest } = splitUrn(shape, head);
  const attribute = findAttribute(extension ? extension.attributes : coreAttributes(shape), rest);
  const holder = extension ? current[extension.id] : current;
  const items = attribute && isObject(holder) ? holder[attribute.name] : undefined;
  if (!attribute || !Array.isArray(items)) return operation;
  const filter = foldCase(parse(path.slice(open + 1, close)), attribute.subAttributes ?? [], items);
  return { ...operation, path: `${head}[${stringify(filter)}]${path.slice(close + 1)}` };
}

/** A resource's writable content after the operations, in order, or a SCIM 400. */
export function applyPatch(shape: ResourceShape, current: Json, operations: PatchOperation[]): Json {
  // scim-patch wants a SCIM resource; schemas and meta are Tenure's to write, so they are placeholders here.
  const document = { ...current, schemas: [shape.core.id], meta: { created: new Date(0), lastModified: new Date(0) } } as unknown as ScimResource;
  let patched: Json;
  try {
    // Folded one by one against the resource as the operations before left it.
    let resource = document;
    for (const operation of operations) {
      const folded = foldPathCase(shape, resource as unknown as Json, operation);
      resource = scimPatch(resource, [folded] as ScimPatchOperation[], { mutateDocument: false, treatMissingAsAdd: true });
    }
    patched = resource as unknown as Json;
  } catch (error) {
    const code = (error as { scimCode?: string }).scimCode;
    // The library's messages end in a dump of the operation ("[object Object]"); the first sentence says it.
    const detail = (error as Error).message.replace(/^Invalid SCIM Patch: /, '').replace(/\s*\[object Object\]$/, '');
    throw new ScimError(400, (code && SCIM_PATCH_TYPES[code]) || 'invalidValue', detail);
  }
  const { schemas: _schemas, meta: _meta, ...content } = patched;
  return content;
}
