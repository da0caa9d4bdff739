import { parse, type Filter } from 'scim2-parse-filter';
import { MEMBER_DISPLAY_SQL } from './rows.ts';
import { DirectoryError } from './types.ts';
import { findAttribute } from '../resource-shape.ts';
import type { AttributeDefinition } from '../schema-definitions.ts';
import { unstorableText } from '../storable-text.ts';
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, USER_RESOURCE_ATTRIBUTES } from './user-schema.ts';

/**
 * SCIM filters (RFC 7644 §3.4.2.2) as parameterised SQL. scim2-parse-filter parses the text into
 * plain data; this compiles that to a WHERE condition over `scim_users u` or `scim_groups g`.
 * Every value is a bound parameter: nothing a client sends is ever part of the SQL text, which is
 * built from the attribute tables below only.
 *
 * Attribute names match ignoring case; string values compare ignoring case unless the attribute is
 * caseExact (id, externalId, member values). `not` and `ne` treat an absent attribute as not
 * matching what it negates, so `ne` matches users who lack the attribute.
 */

export class SqlParams {
  readonly values: unknown[];
  constructor(...initial: unknown[]) {
    this.values = [...initial];
  }
  /** Binds `value` and answers its placeholder. */
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Parses a filter's text; a syntax error is the client's, so it is a 400 `invalidFilter`. */
export function parseScimFilter(text: string): Filter {
  try {
    return parse(text);
  } catch (error) {
    throw invalid(`the filter cannot be parsed: ${(error as Error).message}`);
  }
}

const invalid = (message: string) => new DirectoryError(400, 'invalidFilter', message);

type ScalarType = 'string' | 'boolean' | 'dateTime';
/** One value per row. Boolean expressions are text ('true'/'false'), so JSON and columns compare alike. */
interface Scalar {
  kind: 'scalar';
  expr: string;
  type: ScalarType;
  caseExact: boolean;
}
/** A single-valued complex attribute (`name`, the enterprise extension, `manager`). */
interface Complex {
  kind: 'complex';
  present: string;
  member: Resolver;
}
/** A multi-valued attribute: a condition holds when some element satisfies it. */
interface Multi {
  kind: 'multi';
  exists: (condition: string) => string;
  element: Resolver;
}
/** A sub-attribute reached through a multi-valued one (`emails.value`). */
interface Through {
  kind: 'through';
  multi: Multi;
  scalar: Scalar;
}
type Target = Scalar | Complex | Multi | Through;
type Resolver = (path: string) => Target | undefined;

const quote = (name: string) => `'${name.replaceAll("'", "''")}'`;

function scalar(expr: string, type: ScalarType, caseExact = false): Scalar {
  return { kind: 'scalar', expr: type === 'boolean' ? `lower((${expr})::text)` : expr, type, caseExact };
}

/** How a schema type compares: references, binary and numbers as their text. */
const scalarType = (type: AttributeDefinition['type']): ScalarType => (type === 'boolean' || type === 'dateTime' ? type : 'string');

/** The target for JSON at `json` (a jsonb expression) described by `spec`. */
function jsonTarget(json: string, spec: AttributeDefinition): Target {
  const subs = spec.subAttributes ?? [];
  if (spec.multiValued) {
    const array = `case when jsonb_typeof(${json}) = 'array' then ${json} else '[]'::jsonb end`;
    return {
      kind: 'multi',
      exists: (condition) => `exists (select 1 from jsonb_array_elements(${array}) as el(v) where ${condition})`,
      element: (path) => walkJson('el.v', subs, path.split('.')),
    };
  }
  if (spec.type === 'complex') {
    return { kind: 'complex', present: `coalesce(jsonb_typeof(${json}) = 'object', false)`, member: (path) => walkJson(json, subs, path.split('.')) };
  }
  // `->` gave jsonb; the text of a JSON string (or number) is what compares.
  return scalar(`(${json} #>> '{}')`, scalarType(spec.type), spec.caseExact);
}

function walkJson(json: string, specs: readonly AttributeDefinition[], parts: string[]): Target | undefined {
  const [first, ...rest] = parts;
  const spec = first === undefined ? undefined : findAttribute(specs, first);
  if (!spec) return undefined;
  const target = jsonTarget(`${json}->${quote(spec.name)}`, spec);
  if (rest.length === 0) return target;
  if (target.kind === 'complex') return target.member(rest.join('.'));
  if (target.kind === 'multi') {
    const sub = target.element(rest.join('.'));
    return sub?.kind === 'scalar' ? { kind: 'through', multi: target, scalar: sub } : undefined;
  }
  return undefined;
}

/** A multi-valued attribute held in a join (a user's groups, a group's members). */
function relation(exists: (condition: string) => string, columns: Record<string, Scalar>): Multi {
  return { kind: 'multi', exists, element: (path) => columns[path.toLowerCase()] };
}

function withColumnsAndRelations(
  columns: Record<string, Scalar>,
  relations: Record<string, Multi>,
  json: (path: string) => Target | undefined,
): Resolver {
  return (path) => {
    const lower = path.toLowerCase();
    if (columns[lower]) return columns[lower];
    const [top, ...rest] = lower.split('.');
    const multi = relations[top!];
    if (multi) {
      if (rest.length === 0) return multi;
      const sub = multi.element(rest.join('.'));
      return sub?.kind === 'scalar' ? { kind: 'through', multi, scalar: sub } : undefined;
    }
    return json(path);
  };
}

/** `path` without a leading `<schema>:`, compared ignoring case. */
function withoutSchema(path: string, schema: string): string {
  return path.toLowerCase().startsWith(`${schema.toLowerCase()}:`) ? path.slice(schema.length + 1) : path;
}

const resolveUser: Resolver = (rawPath) => {
  const path = withoutSchema(rawPath, CORE_USER_SCHEMA);
  return withColumnsAndRelations(
    {
      id: scalar('u.id', 'string', true),
      externalid: scalar('u.external_id', 'string', true),
      username: scalar('u.user_name', 'string'),
      active: scalar('u.active', 'boolean'),
      'meta.created': scalar('u.created_at', 'dateTime'),
      'meta.lastmodified': scalar('u.updated_at', 'dateTime'),
    },
    {
      groups: relation(
        (condition) =>
          `exists (select 1 from scim_group_members gm join scim_groups ug on ug.seq = gm.group_seq where gm.user_seq = u.seq and ${condition})`,
        { value: scalar('ug.id', 'string', true), display: scalar('ug.display_name', 'string') },
      ),
    },
    (jsonPath) => {
      // The extension's URN holds dots ("2.0"), so it is taken off whole before splitting.
      const enterprise = ENTERPRISE_USER_SCHEMA.toLowerCase();
      const lower = jsonPath.toLowerCase();
      if (lower === enterprise) return walkJson('u.resource', USER_RESOURCE_ATTRIBUTES, [ENTERPRISE_USER_SCHEMA]);
      if (lower.startsWith(`${enterprise}:`)) {
        const extension = walkJson('u.resource', USER_RESOURCE_ATTRIBUTES, [ENTERPRISE_USER_SCHEMA]);
        return extension?.kind === 'complex' ? extension.member(jsonPath.slice(enterprise.length + 1)) : undefined;
      }
      return walkJson('u.resource', USER_RESOURCE_ATTRIBUTES, jsonPath.split('.'));
    },
  )(path);
};

const resolveGroup: Resolver = (rawPath) =>
  withColumnsAndRelations(
    {
      id: scalar('g.id', 'string', true),
      externalid: scalar('g.external_id', 'string', true),
      displayname: scalar('g.display_name', 'string'),
      'meta.created': scalar('g.created_at', 'dateTime'),
      'meta.lastmodified': scalar('g.updated_at', 'dateTime'),
    },
    {
      members: relation(
        (condition) =>
          `exists (select 1 from scim_group_members gm join scim_users mu on mu.seq = gm.user_seq where gm.group_seq = g.seq and ${condition})`,
        { value: scalar('mu.id', 'string', true), display: scalar(MEMBER_DISPLAY_SQL, 'string') },
      ),
    },
    () => undefined,
  )(withoutSchema(rawPath, CORE_GROUP_SCHEMA));

function present(target: Target): string {
  switch (target.kind) {
    case 'scalar':
      return target.type === 'string' ? `coalesce(${target.expr} <> '', false)` : `(${target.expr} is not null)`;
    case 'complex':
      return target.present;
    case 'multi':
      return target.exists('true');
    case 'through':
      return target.multi.exists(present(target.scalar));
  }
}

/**
 * NOT of a condition whose unknown (NULL, from an absent attribute) counts as false. Only here does
 * NULL need folding: elsewhere WHERE already drops it, and a bare `lower(user_name) = lower($2)`
 * keeps matching the expression index, which a coalesce around it would not (13 ms instead of 0.3).
 */
const negation = (condition: string) => `(not coalesce(${condition}, false))`;

const ORDERING: Record<string, string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

function compareScalar(target: Scalar, op: string, value: unknown, params: SqlParams, path: string): string {
  if (value === null) throw invalid(`${path} ${op} null: to test for absence use "not (${path} pr)"`);
  if (op === 'ne') return negation(compareScalar(target, 'eq', value, params, path));
  const { expr, type } = target;
  if (type === 'boolean') {
    const text = String(value).toLowerCase();
    if (op !== 'eq' || (text !== 'true' && text !== 'false')) throw invalid(`${path} is boolean: only eq and ne with true or false apply`);
    return `${expr} = ${params.bind(text)}::text`;
  }
  if (type === 'dateTime') {
    const time = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(time.getTime())) throw invalid(`${path} is a dateTime: ${JSON.stringify(value)} is not one`);
    const sign = op === 'eq' ? '=' : ORDERING[op];
    if (!sign) throw invalid(`${path} is a dateTime: ${op} does not apply`);
    return `${expr} ${sign} ${params.bind(time.toISOString())}::timestamptz`;
  }
  if (typeof value === 'boolean') throw invalid(`${path} is a string: compare it with a string, not ${value}`);
  const problem = unstorableText(String(value));
  if (problem) throw invalid(`the value compared with ${path} ${problem}`);
  const fold = (sql: string) => (target.caseExact ? sql : `lower(${sql})`);
  const left = fold(expr);
  const right = fold(`${params.bind(String(value))}::text`);
  const condition =
    op === 'eq' ? `${left} = ${right}`
    : op === 'co' ? `strpos(${left}, ${right}) > 0`
    : op === 'sw' ? `starts_with(${left}, ${right})`
    : op === 'ew' ? `right(${left}, char_length(${right})) = ${right}`
    : ORDERING[op] ? `${left} ${ORDERING[op]} ${right}`
    : undefined;
  if (!condition) throw invalid(`unknown operator ${op}`);
  return condition;
}

/**
 * `unknownMatchesNone`: an attribute the resource type lacks is absent from every resource, so a
 * comparison with it is false, as RFC 7644 §3.4.3's root-level search needs when a filter names
 * the attributes of other types. Otherwise it is the client's mistake: 400 invalidFilter.
 */
function compile(filter: Filter, resolve: Resolver, params: SqlParams, scope: string, unknownMatchesNone: boolean): string {
  const op = filter.op.toLowerCase();
  if (op === 'and' || op === 'or') {
    const { filters } = filter as { filters: Filter[] };
    return `(${filters.map((each) => compile(each, resolve, params, scope, unknownMatchesNone)).join(` ${op} `)})`;
  }
  if (op === 'not') return negation(compile((filter as { filter: Filter }).filter, resolve, params, scope, unknownMatchesNone));
  const path = (filter as { attrPath: string }).attrPath;
  const target = resolve(path);
  if (!target && unknownMatchesNone) return 'false';
  if (!target) throw invalid(`${scope}${path} is not an attribute that can be filtered on`);
  if (op === '[]') {
    const valFilter = (filter as { valFilter: Filter }).valFilter;
    if (target.kind === 'multi') return target.exists(compile(valFilter, target.element, params, `${path}.`, unknownMatchesNone));
    if (target.kind === 'complex') return compile(valFilter, target.member, params, `${path}.`, unknownMatchesNone);
    throw invalid(`${path} has no sub-attributes to filter in [ ]`);
  }
  if (op === 'pr') return present(target);
  const value = (filter as { compValue: unknown }).compValue;
  switch (target.kind) {
    case 'scalar':
      return compareScalar(target, op, value, params, path);
    case 'through':
      return target.multi.exists(compareScalar(target.scalar, op, value, params, path));
    case 'multi': {
      // RFC 7644: a filter on a multi-valued attribute itself means its `value`.
      const element = target.element('value');
      if (element?.kind !== 'scalar') throw invalid(`${path} is complex: name one of its sub-attributes`);
      return target.exists(compareScalar(element, op, value, params, `${path}.value`));
    }
    case 'complex':
      throw invalid(`${path} is complex: name one of its sub-attributes`);
  }
}

/** A condition over `scim_users u`. */
export const userFilterSql = (filter: Filter, params: SqlParams, unknownMatchesNone = false) => compile(filter, resolveUser, params, '', unknownMatchesNone);
/** A condition over `scim_groups g`. */
export const groupFilterSql = (filter: Filter, params: SqlParams, unknownMatchesNone = false) => compile(filter, resolveGroup, params, '', unknownMatchesNone);
