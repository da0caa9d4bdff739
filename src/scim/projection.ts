import { ScimError } from './errors.ts';
import { coreAttributes, findAttribute, isObject, splitUrn, type ResourceShape } from './resource-shape.ts';

/**
 * RFC 7644 §3.4.2.5 `attributes` and `excludedAttributes`: which attributes a response carries.
 * `id` and `schemas` are always returned. Names are matched ignoring case, with or without their
 * schema URN, and may name a sub-attribute (`name.givenName`).
 */

type Json = Record<string, unknown>;

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

const ALWAYS = new Set(['id', 'schemas']);

/** A comma-separated attribute list from a query string or a SearchRequest, or undefined when none. */
export function attributeList(raw: unknown, parameter: string): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list || list.some((name) => typeof name !== 'string')) throw new ScimError(400, 'invalidValue', `${parameter} must be a comma-separated list of attribute names`);
  const names = (list as string[]).map((name) => name.trim()).filter(Boolean);
  return names.length > 0 ? names : undefined;
}

interface Selector {
  /** The key in the resource: a core attribute name, or an extension URN. */
  key: string;
  /** Inside an extension: the attribute; inside a core complex attribute: the sub-attribute. */
  inner: string | undefined;
  sub: string | undefined;
}

/** A requested name as keys of the resource; undefined for a name no schema has (ignored, as RFC 7644 allows). */
function selector(shape: ResourceShape, name: string): Selector | undefined {
  const { extension, rest } = splitUrn(shape, name);
  const [first = '', second] = rest.split('.');
  if (extension) {
    if (rest === '') return { key: extension.id, inner: undefined, sub: undefined };
    const attribute = findAttribute(extension.attributes, first);
    if (!attribute) return undefined;
    const sub = second !== undefined ? findAttribute(attribute.subAttributes ?? [], second)?.name : undefined;
    return { key: extension.id, inner: attribute.name, sub };
  }
  const attribute = findAttribute(coreAttributes(shape), first) ?? (first.toLowerCase() === 'schemas' ? { name: 'schemas', subAttributes: [] } : undefined);
  if (!attribute) return undefined;
  const sub = second !== undefined ? findAttribute(attribute.subAttributes ?? [], second)?.name : undefined;
  if (second !== undefined && !sub) return undefined;
  return { key: attribute.name, inner: sub, sub: undefined };
}

/** Copies the part of `from` a selector names into `to`. */
function copy(from: Json, to: Json, { key, inner, sub }: Selector): void {
  const value = from[key];
  if (value === undefined) return;
  if (inner === undefined) {
    to[key] = value;
    return;
  }
  const pick = (item: unknown, name: string, target: unknown) => {
    if (!isObject(item) || item[name] === undefined) return target;
    return { ...(isObject(target) ? target : {}), [name]: item[name] };
  };
  if (Array.isArray(value)) {
    const previous = Array.isArray(to[key]) ? (to[key] as unknown[]) : [];
    to[key] = value.map((item, index) => pick(item, inner, previous[index]) ?? {});
  } else if (sub !== undefined && isObject(value)) {
    const innerTarget = isObject(to[key]) ? (to[key] as Json) : {};
    const picked = pick(value[inner], sub, innerTarget[inner]);
    if (picked !== undefined) to[key] = { ...innerTarget, [inner]: picked };
  } else {
    const picked = pick(value, inner, to[key]);
    if (picked !== undefined) to[key] = picked;
  }
}

/** Removes the part of `resource` a selector names. */
function remove(resource: Json, { key, inner, sub }: Selector): void {
  if (ALWAYS.has(key)) return;
  if (inner === undefined) {
    delete resource[key];
    return;
  }
  const value = resource[key];
  const drop = (item: unknown, name: string) => (isObject(item) ? Object.fromEntries(Object.entries(item).filter(([k]) => k !== name)) : item);
  if (Array.isArray(value)) resource[key] = value.map((item) => drop(item, inner));
  else if (sub !== undefined && isObject(value)) resource[key] = { ...value, [inner]: drop(value[inner], sub) };
  else resource[key] = drop(value, inner);
}

export function project(shape: ResourceShape, resource: Json, projection: Projection): Json {
  if (projection.attributes) {
    const out: Json = { schemas: resource.schemas, id: resource.id };
    for (const name of projection.attributes) {
      const chosen = selector(shape, name);
      if (chosen) copy(resource, out, chosen);
    }
    return out;
  }
  if (projection.excludedAttributes) {
    const out: Json = structuredClone(resource);
    for (const name of projection.excludedAttributes) {
      const chosen = selector(shape, name);
      if (chosen) remove(out, chosen);
    }
    return out;
  }
  return resource;
}

/** Whether a projection leaves `name` (a top-level attribute) out, so it need not be read at all. */
export function leavesOut(shape: ResourceShape, projection: Projection, name: string): boolean {
  const named = (list: string[] | undefined) => (list ?? []).some((entry) => selector(shape, entry)?.key === name);
  if (projection.attributes) return !named(projection.attributes);
  return (projection.excludedAttributes ?? []).some((entry) => {
    const chosen = selector(shape, entry);
    return chosen?.key === name && chosen.inner === undefined;
  });
}
