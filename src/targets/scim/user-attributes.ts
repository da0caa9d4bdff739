import { ApplicationFailure } from '@temporalio/common';
import { parse, type Filter } from 'scim2-parse-filter';
import { ENTERPRISE_USER, scimAttributePath } from './attributes.ts';
import type { ScimJson } from './http-client.ts';

/**
 * Reading and writing a policy attribute in a SCIM user, after the path attributes.ts gives it:
 * `userName`, `name.givenName` (a sub-attribute), `emails[type eq "work"].value` (the value of
 * the entry that the filter picks in a multi-valued attribute, which a new entry makes primary),
 * and `urn:…:enterprise:2.0:User:department` (under the extension's URN key). RFC 7643 §2.1 makes
 * attribute names case-insensitive, so names are looked up ignoring case when read.
 */
interface AttributePath {
  /** The extension URN the attribute lives under; undefined for the core schema. */
  extension: string | undefined;
  attribute: string;
  /** For a multi-valued attribute: the entry whose `attribute` equals `value` (case-insensitively, as `type` is). */
  select: { attribute: string; value: string } | undefined;
  sub: string | undefined;
  /** The path as written, for a PATCH operation. */
  text: string;
}

function parsePath(text: string): AttributePath {
  const urn = /^(urn:.+):([^:]+)$/.exec(text);
  const [extension, rest] = urn ? [urn[1], urn[2]!] : [undefined, text];
  const match = /^(\w+)(?:\[(.+)\])?(?:\.(\w+))?$/.exec(rest);
  if (!match) throw new Error(`the SCIM path ${text} in attributes.ts is not one this target can write`);
  let select: AttributePath['select'];
  if (match[2] !== undefined) {
    const filter: Filter = parse(match[2]);
    if (filter.op !== 'eq' || typeof filter.compValue !== 'string') throw new Error(`the SCIM path ${text} in attributes.ts: only an eq filter on a string selects an entry`);
    select = { attribute: filter.attrPath, value: filter.compValue };
  }
  return { extension, attribute: match[1]!, select, sub: match[3], text };
}

const paths = new Map<string, AttributePath>();

/** The path of a policy attribute; an attribute that a SCIM target cannot take is a final error. */
export function pathOf(name: string): AttributePath {
  let path = paths.get(name);
  if (!path) {
    const text = scimAttributePath(name);
    if (text === undefined) {
      throw ApplicationFailure.nonRetryable(`attribute "${name}" cannot be written to a SCIM target: it has no SCIM attribute (see src/targets/scim/attributes.ts)`, 'NoScimAttribute');
    }
    path = parsePath(text);
    paths.set(name, path);
  }
  return path;
}

/** The value under `name`, its key matched ignoring case. */
export function field(object: ScimJson, name: string): ScimJson {
  if (object === null || typeof object !== 'object') return undefined;
  if (name in object) return object[name];
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

function selects(entry: ScimJson, select: NonNullable<AttributePath['select']>): boolean {
  const value = field(entry, select.attribute);
  return typeof value === 'string' && value.toLowerCase() === select.value.toLowerCase();
}

function asText(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'object') return undefined;
  return String(value);
}

/** What the user holds for a policy attribute, as text; undefined when it holds none. */
export function readAttribute(user: ScimJson, name: string): string | undefined {
  const path = pathOf(name);
  const container = path.extension ? field(user, path.extension) : user;
  let value = field(container, path.attribute);
  if (path.select) value = Array.isArray(value) ? value.find((entry) => selects(entry, path.select!)) : undefined;
  if (path.sub) value = field(value, path.sub);
  return asText(value);
}

/** What the user holds for these policy attributes, by the policy's names; absent ones are left out. */
export function readAttributes(user: ScimJson, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => {
    const value = readAttribute(user, name);
    return value === undefined ? [] : [[name, value]];
  }));
}

/** The key `name` has in `object`, or `name` itself when it has none yet. */
function keyIn(object: Record<string, unknown>, name: string): string {
  return Object.keys(object).find((candidate) => candidate.toLowerCase() === name.toLowerCase()) ?? name;
}

function childObject(parent: Record<string, ScimJson>, name: string): Record<string, ScimJson> {
  const key = keyIn(parent, name);
  if (parent[key] === null || typeof parent[key] !== 'object' || Array.isArray(parent[key])) parent[key] = {};
  return parent[key];
}

/** A new entry for a multi-valued attribute: primary unless another entry is already. */
function newEntry(path: AttributePath, value: string, others: ScimJson[]): Record<string, unknown> {
  const primary = !others.some((entry) => field(entry, 'primary') === true);
  return { [path.sub ?? 'value']: value, [path.select!.attribute]: path.select!.value, ...(primary ? { primary: true } : {}) };
}

/** Writes a policy attribute into `user` (changed in place): for a POST, or a PUT of the user as read. */
export function writeAttribute(user: Record<string, ScimJson>, name: string, value: string): void {
  const path = pathOf(name);
  const container = path.extension ? childObject(user, path.extension) : user;
  if (path.extension && !user.schemas?.includes(path.extension)) user.schemas = [...(user.schemas ?? []), path.extension];
  if (path.select) {
    const key = keyIn(container, path.attribute);
    const entries: ScimJson[] = Array.isArray(container[key]) ? container[key] : [];
    const entry = entries.find((candidate) => selects(candidate, path.select!));
    if (entry) entry[keyIn(entry, path.sub ?? 'value')] = value;
    else container[key] = [...entries, newEntry(path, value, entries)];
    return;
  }
  if (path.sub) childObject(container, path.attribute)[keyIn(childObject(container, path.attribute), path.sub)] = value;
  else container[keyIn(container, path.attribute)] = value;
}

export type PatchOperation = { op: 'add' | 'replace'; path: string; value: unknown };

/**
 * The PATCH operation that gives the user this value: a `replace` at the attribute's path, except
 * for an entry the filter picks that the user does not have (RFC 7644 §3.5.2.3 answers noTarget
 * to replacing that), which is added to the multi-valued attribute instead.
 */
export function patchOperation(user: ScimJson, name: string, value: string): PatchOperation {
  const path = pathOf(name);
  if (path.select) {
    const container = path.extension ? field(user, path.extension) : user;
    const entries = field(container, path.attribute);
    const present = Array.isArray(entries) && entries.some((entry) => selects(entry, path.select!));
    if (!present) {
      const attribute = path.extension ? `${path.extension}:${path.attribute}` : path.attribute;
      return { op: 'add', path: attribute, value: [newEntry(path, value, Array.isArray(entries) ? entries : [])] };
    }
  }
  return { op: 'replace', path: path.text, value };
}

/** Whether a policy attribute lives in the enterprise extension (its schema must then be named). */
export function isEnterprise(name: string): boolean {
  return pathOf(name).extension === ENTERPRISE_USER;
}
