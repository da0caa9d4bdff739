import { Tester, type Compare, type Filter } from 'scim2-parse-filter';
import { DirectoryError } from '../../scim/directory/types.ts';
import { coreAttributes, findAttribute, splitUrn, type ResourceShape } from '../../scim/resource-shape.ts';
import type { AttributeDefinition } from '../../scim/schema-definitions.ts';

/**
 * SCIM filters (RFC 7644 §3.4.2.2) evaluated in memory against a resource as a client reads it,
 * with the same rules as the SQL directory (src/scim/directory/filter-sql.ts): attribute names
 * match ignoring case, string values compare ignoring case unless the attribute is caseExact,
 * an attribute no schema has is 400 invalidFilter, and a condition on a multi-valued attribute
 * holds when some value satisfies it. scim2-parse-filter's Tester walks the resource; this adds
 * the schema, which the library does not know.
 */

type Json = Record<string, unknown>;
export type Predicate = (resource: Json) => boolean;

const tester = new Tester();
const invalid = (message: string) => new DirectoryError(400, 'invalidFilter', message);

interface Resolved {
  /** The keys to walk in the resource, spelled as the schema spells them. */
  keys: string[];
  attribute: AttributeDefinition;
}

/** Where a filter's names are looked up: a resource type at the top, an attribute's sub-attributes inside `attr[…]`. */
type Scope = { shape: ResourceShape } | { subAttributes: readonly AttributeDefinition[]; within: string };

/** `whole`: the attribute itself, as a value filter wants it, rather than the value it compares by. */
function resolve(scope: Scope, path: string, whole = false): Resolved {
  let keys: string[] = [];
  let attributes: readonly AttributeDefinition[];
  let rest = path;
  if ('shape' in scope) {
    const split = splitUrn(scope.shape, path);
    if (split.extension) keys = [split.extension.id];
    attributes = split.extension ? split.extension.attributes : coreAttributes(scope.shape);
    rest = split.rest;
  } else {
    attributes = scope.subAttributes;
  }
  const [name = '', sub, ...beyond] = rest.split('.');
  const where = 'within' in scope ? ` in ${scope.within}[…]` : '';
  const attribute = findAttribute(attributes, name);
  if (!attribute || beyond.length > 0) throw invalid(`the filter names "${path}"${where}, which is not an attribute here`);
  if (sub === undefined) {
    // A complex attribute compared as a whole (`members eq "…"`) compares its value (RFC 7643 §2.4).
    const value = attribute.type === 'complex' && !whole ? findAttribute(attribute.subAttributes ?? [], 'value') : undefined;
    return value ? { keys: [...keys, attribute.name, value.name], attribute: value } : { keys: [...keys, attribute.name], attribute };
  }
  const inner = findAttribute(attribute.subAttributes ?? [], sub);
  if (!inner) throw invalid(`the filter names "${path}"${where}, which is not an attribute here`);
  return { keys: [...keys, attribute.name, inner.name], attribute: inner };
}

const foldsCase = (attribute: AttributeDefinition) => !attribute.caseExact && (attribute.type === 'string' || attribute.type === 'reference');

function compare(scope: Scope, filter: Compare): Predicate {
  const { keys, attribute } = resolve(scope, filter.attrPath);
  if (attribute.type === 'complex') throw invalid(`the filter compares "${filter.attrPath}", a complex attribute: compare one of its sub-attributes`);
  const fold = foldsCase(attribute) && typeof filter.compValue === 'string';
  const given = fold ? (filter.compValue as string).toLowerCase() : filter.compValue;
  const test = tester[filter.op].bind(tester);
  return (resource) => tester.attrTest(keys, resource, (value) => test(fold && typeof value === 'string' ? value.toLowerCase() : value, given));
}

function compile(scope: Scope, filter: Filter): Predicate {
  switch (filter.op) {
    case 'and': {
      const parts = filter.filters.map((inner) => compile(scope, inner));
      return (resource) => parts.every((part) => part(resource));
    }
    case 'or': {
      const parts = filter.filters.map((inner) => compile(scope, inner));
      return (resource) => parts.some((part) => part(resource));
    }
    case 'not': {
      const inner = compile(scope, filter.filter);
      return (resource) => !inner(resource);
    }
    case '[]': {
      if (!('shape' in scope)) throw invalid('a value filter cannot be nested in another');
      const { keys, attribute } = resolve(scope, filter.attrPath, true);
      if (!attribute.subAttributes) throw invalid(`"${filter.attrPath}" has no sub-attributes to filter on`);
      const inner = compile({ subAttributes: attribute.subAttributes, within: filter.attrPath }, filter.valFilter);
      // Every condition inside the brackets must hold for one and the same value.
      return (resource) => tester.attrTest(keys, resource, (value) => (Array.isArray(value) ? value.some((element) => inner(element)) : inner(value as Json)));
    }
    case 'pr': {
      const { keys } = resolve(scope, filter.attrPath);
      return (resource) => tester.attrTest(keys, resource, (value) => value !== undefined && value !== null && value !== '');
    }
    default:
      return compare(scope, filter);
  }
}

/** The filter as a test of one resource of `shape`; a name no schema has is refused here, before any resource is read. */
export function compileFilter(shape: ResourceShape, filter: Filter): Predicate {
  return compile({ shape }, filter);
}
