import type { z } from 'zod';
import { suggest } from './problems.ts';

/* Zod's definitions are walked here only to name the keys a misspelled one was meant to be. */
type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def: Def } } | undefined)?._zod?.def;

function resolve(schema: unknown, data: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (!def) return current;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable') current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else if (def.type === 'union' && typeof def.discriminator === 'string') {
      const wanted = (data as Record<string, unknown> | undefined)?.[def.discriminator];
      current = (def.options as unknown[]).find((option) => {
        const field = (defOf(option)?.shape as Record<string, unknown> | undefined)?.[def.discriminator as string];
        return (defOf(field)?.values as unknown[] | undefined)?.includes(wanted);
      });
    } else return current;
  }
}

/** The schema for the value at `path`, as the data there selects it, with that value. */
function schemaAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): { schema: unknown; value: unknown } | undefined {
  let current: unknown = schema;
  let value = data;
  for (const segment of path) {
    const def = defOf(resolve(current, value));
    if (def?.type === 'object') current = (def.shape as Record<string, unknown>)[String(segment)];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else return undefined;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[segment];
  }
  return { schema: current, value };
}

function objectKeysAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  const at = schemaAt(schema, data, path);
  const def = at && defOf(resolve(at.schema, at.value));
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

export interface LocatedIssue {
  path: readonly PropertyKey[];
  /** Set when the problem is a key itself, so the position points at that key. */
  key?: string;
  message: string;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, segment) => (value as Record<PropertyKey, unknown> | undefined)?.[segment], data);
}

/** Rewrites zod's issues into sentences a policy author can act on, one per offending key. */
export function describeIssues(schema: z.ZodType, data: unknown, issues: readonly z.core.$ZodIssue[]): LocatedIssue[] {
  return issues.flatMap((issue): LocatedIssue[] => {
    // Whatever form zod found wanting, an absent value is a key to add, not a value to change.
    if (issue.code !== 'unrecognized_keys' && issue.code !== 'custom' && issue.path.length > 0 && valueAt(data, issue.path) === undefined) {
      return [missingKey(schema, data, issue.path)];
    }
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = objectKeysAt(schema, data, issue.path);
        return issue.keys.map((key) => ({
          path: issue.path,
          key,
          message: `unknown key "${key}"${suggest(key, known)}; allowed here: ${known.join(', ')}`,
        }));
      }
      case 'invalid_union': {
        const options = (issue as { options?: unknown[] }).options;
        if (!options) return describeUnion(schema, data, issue);
        const given = String(valueAt(data, issue.path));
        const field = String(issue.path[issue.path.length - 1]);
        return [{ path: issue.path, message: `unknown ${field} "${given}"${suggest(given, options.map(String))}; known: ${options.join(', ')}` }];
      }
      case 'invalid_value': {
        const value = valueAt(data, issue.path);
        const values = issue.values.map(String);
        if (value !== null && typeof value === 'object') {
          return [{ path: issue.path, message: `expected ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, got ${describe(value)}` }];
        }
        const given = String(value);
        return [{ path: issue.path, message: `"${given}" is not allowed${suggest(given, values)}; use one of: ${values.join(', ')}` }];
      }
      case 'invalid_type':
        return [{ path: issue.path, message: `expected ${issue.expected}, got ${describe(valueAt(data, issue.path))}` }];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/** Names the key to add and, from the schema's description, what it holds. */
function missingKey(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): LocatedIssue {
  const key = String(path[path.length - 1]);
  const description = descriptionOf(schema, data, path);
  const holds = description ? `: ${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}` : '';
  return { path: path.slice(0, -1), message: `missing required key "${key}"${holds}` };
}

function descriptionOf(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string | undefined {
  return (schemaAt(schema, data, path)?.schema as { description?: string } | undefined)?.description;
}

/**
 * A value that fits none of a union's forms is explained by the form it was closest to: the one
 * whose type it has (a string against the string form, a mapping against the mapping form).
 */
function describeUnion(schema: z.ZodType, data: unknown, issue: z.core.$ZodIssue & { errors?: z.core.$ZodIssue[][] }): LocatedIssue[] {
  const forms = issue.errors ?? [];
  const wrongType = (issues: z.core.$ZodIssue[]) => issues.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0);
  const closest = forms.find((issues) => !wrongType(issues));
  if (closest) return describeIssues(schema, data, closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  const expected = [...new Set(forms.flatMap((issues) => issues.map((inner) => (inner.code === 'invalid_type' ? inner.expected : 'value'))))];
  return [{ path: issue.path, message: `expected ${expected.join(' or ')}, got ${describe(valueAt(data, issue.path))}` }];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
