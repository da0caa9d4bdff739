import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Checks HTTP answers against Okta's OpenAPI 3.0 description of the Management API (the one
 * @okta/okta-sdk-nodejs was generated from): that the status is one the operation declares and
 * that the body matches the schema declared for it, with ajv.
 */

/** shared/ sits beside the repository, in a developer's checkout and in CI alike. */
export const MANAGEMENT_SPEC_PATH = fileURLToPath(new URL('../../../shared/okta/management.yaml', import.meta.url));

/** One answer as it came over the wire. */
export interface ObservedResponse {
  status: number;
  /** The Content-Type header, if any. */
  contentType?: string | null;
  /** The raw body text; '' for none. */
  body: string;
}

/** An operation named by its operationId, or by method and path template as the spec writes them. */
export type OperationRef = string | { method: string; path: string };

type SpecNode = Record<string, unknown>;

interface SpecOperation extends SpecNode {
  operationId?: string;
  responses?: Record<string, SpecNode>;
  security?: Array<Record<string, unknown>>;
}

interface SpecDocument {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, SpecNode>; responses: Record<string, SpecNode> };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const SCHEMA_REF = '#/components/schemas/';
const RESPONSE_REF = '#/components/responses/';
/** The id under which the converted component schemas are registered with ajv. */
const DOCUMENT_ID = 'okta-management';

/** Where Okta's real answers differ from what the spec declares; each names its evidence. */
const RESPONSE_DEFECTS: ReadonlyArray<{ operationIds: readonly string[]; status: string; schema: string }> = [
  // shared/okta/README.md: the spec says User, the real API (and the spec's own example) answers
  // {"tempPassword": …}.
  { operationIds: ['expirePasswordAndGetTemporaryPassword'], status: '200', schema: 'TempPassword' },
  // Okta refuses a malformed `search` or `filter` with 400 E0000031 "Invalid search criteria."
  // (okta/okta-powershell-cli#48, okta/okta-sdk-dotnet#323); the spec declares no 400 for these.
  { operationIds: ['listUsers', 'listGroups'], status: '400', schema: 'ModelError' },
];

/**
 * Okta sends null for every System Log value it does not have, as the spec's own LogEvent examples
 * show (`reason: null`, `detail: null`, `detailEntry: null` …), though these schemas do not say
 * `nullable`. Every property of the schemas a LogEvent is made of is therefore taken as nullable.
 */
const ALWAYS_NULLABLE_ROOT = 'LogEvent';

/** OpenAPI formats ajv-formats does not know: numeric ranges are checked, the others only name an encoding. */
const OPENAPI_FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  double: { type: 'number', validate: () => true },
  base64: /^[A-Za-z0-9+/]*={0,2}$/,
  password: true,
  'utf-8': true,
  boolean: true,
} as const;

/** JSON Schema keywords an OpenAPI 3.0 Schema Object shares with draft-07, copied as they are. */
const SHARED_KEYWORDS = [
  'type',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
];

type JsonSchema = Record<string, unknown> | boolean;

function refName(ref: string, prefix: string): string {
  if (!ref.startsWith(prefix)) throw new Error(`Unsupported reference ${ref} (expected ${prefix}…)`);
  return ref.slice(prefix.length);
}

function schemaRef(name: string): { $ref: string } {
  return { $ref: `${DOCUMENT_ID}#/definitions/${name}` };
}

/** The name of the variant of a discriminated base schema that does not dispatch to its subtypes. */
function shapeName(name: string): string {
  return `${name}.shape`;
}

function makeNullable(schema: JsonSchema): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  if (schema.type === undefined) return { anyOf: [schema, { type: 'null' }] };
  const nullable: Record<string, unknown> = { ...schema, type: [...new Set([schema.type, 'null'].flat())] };
  if (Array.isArray(schema.enum)) nullable.enum = [...new Set([...(schema.enum as unknown[]), null])];
  return nullable;
}

interface ConvertContext {
  /** Inside an allOf a discriminated base is the subtype's own shape, not a dispatch back to it. */
  inAllOf: boolean;
  /** See ALWAYS_NULLABLE_ROOT. */
  propertiesNullable: boolean;
}

/**
 * Turns the spec's OpenAPI 3.0 schemas into draft-07 schemas for ajv, for validating responses:
 * - `nullable` becomes a `null` type (or an anyOf with null where there is no type);
 * - `writeOnly` properties must not appear (a response showing a password is wrong), and are not required;
 * - `oneOf` becomes `anyOf`: Okta's alternatives rarely exclude each other (additional
 *   properties are allowed), so "exactly one" would refuse valid answers;
 * - a `discriminator` with a mapping makes the mapped schema apply when the property has that value;
 * - references become references into the document registered as DOCUMENT_ID;
 * - annotations and `x-` extensions are dropped; so is `readOnly`, which a response may carry.
 */
class SchemaConverter {
  private readonly alwaysNullable = new Set<string>();
  private readonly discriminatedBases = new Set<string>();

  constructor(private readonly schemas: Record<string, SpecNode>) {
    this.collectReachable(ALWAYS_NULLABLE_ROOT, this.alwaysNullable);
    for (const [name, schema] of Object.entries(schemas)) {
      if (schema.discriminator !== undefined && schema.oneOf === undefined && schema.anyOf === undefined) {
        this.discriminatedBases.add(name);
      }
    }
  }

  definitions(): Record<string, JsonSchema> {
    const definitions: Record<string, JsonSchema> = {};
    for (const [name, schema] of Object.entries(this.schemas)) {
      const context = { inAllOf: false, propertiesNullable: this.alwaysNullable.has(name) };
      definitions[name] = this.convert(schema, context);
      if (this.discriminatedBases.has(name)) {
        definitions[shapeName(name)] = this.convert({ ...schema, discriminator: undefined }, context);
      }
    }
    return definitions;
  }

  convert(node: unknown, context: ConvertContext): JsonSchema {
    if (typeof node === 'boolean') return node;
    if (node === null || typeof node !== 'object') throw new Error(`Not a schema: ${JSON.stringify(node)}`);
    const schema = node as SpecNode;
    const converted = this.convertObject(schema, context);
    return schema.nullable === true ? makeNullable(converted) : converted;
  }

  private convertObject(schema: SpecNode, context: ConvertContext): JsonSchema {
    if (typeof schema.$ref === 'string') {
      const name = refName(schema.$ref, SCHEMA_REF);
      return schemaRef(context.inAllOf && this.discriminatedBases.has(name) ? shapeName(name) : name);
    }
    const inner = { ...context, inAllOf: false };
    const out: Record<string, unknown> = {};
    for (const keyword of SHARED_KEYWORDS) if (schema[keyword] !== undefined) out[keyword] = schema[keyword];
    // A few enums of the spec list a value twice, which draft-07 forbids.
    if (Array.isArray(schema.enum)) out.enum = [...new Set(schema.enum as unknown[])];

    const properties = schema.properties as Record<string, unknown> | undefined;
    const writeOnly = new Set<string>();
    if (properties !== undefined) {
      const convertedProperties: Record<string, JsonSchema> = {};
      for (const [property, propertySchema] of Object.entries(properties)) {
        if (this.isWriteOnly(propertySchema)) {
          writeOnly.add(property);
          convertedProperties[property] = false;
          continue;
        }
        const convertedProperty = this.convert(propertySchema, inner);
        convertedProperties[property] = context.propertiesNullable ? makeNullable(convertedProperty) : convertedProperty;
      }
      out.properties = convertedProperties;
    }
    if (Array.isArray(schema.required)) {
      const required = (schema.required as string[]).filter((property) => !writeOnly.has(property));
      if (required.length > 0) out.required = required;
    }
    if (schema.additionalProperties !== undefined) out.additionalProperties = this.convert(schema.additionalProperties, inner);
    if (schema.items !== undefined) out.items = this.convert(schema.items, inner);

    const allOf: JsonSchema[] = [];
    if (Array.isArray(schema.allOf)) {
      for (const part of schema.allOf) allOf.push(this.convert(part, { ...context, inAllOf: true }));
    }
    const alternatives = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
    if (Array.isArray(alternatives)) out.anyOf = alternatives.map((alternative) => this.convert(alternative, inner));
    allOf.push(...this.discriminatorDispatch(schema));
    if (allOf.length > 0) out.allOf = allOf;
    return out;
  }

  /** One `if the property has this value then that schema applies` per entry of the mapping. */
  private discriminatorDispatch(schema: SpecNode): JsonSchema[] {
    const discriminator = schema.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (discriminator?.mapping === undefined) return [];
    const property = discriminator.propertyName;
    return Object.entries(discriminator.mapping).map(([value, ref]) => ({
      if: { properties: { [property]: { const: value } }, required: [property] },
      then: schemaRef(refName(ref, SCHEMA_REF)),
    }));
  }

  private isWriteOnly(schema: unknown): boolean {
    if (schema === null || typeof schema !== 'object') return false;
    const node = schema as SpecNode;
    if (node.writeOnly === true) return true;
    return typeof node.$ref === 'string' && this.schemas[refName(node.$ref, SCHEMA_REF)]?.writeOnly === true;
  }

  private collectReachable(name: string, into: Set<string>): void {
    if (into.has(name)) return;
    into.add(name);
    const text = JSON.stringify(this.schemas[name]);
    for (const match of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) this.collectReachable(match[1]!, into);
  }
}

/** What the spec (corrected by RESPONSE_DEFECTS) says an operation answers with one status. */
interface DeclaredResponse {
  /** The response key it was found under: '404', '4XX' or 'default'. */
  key: string;
  /** The body's schema and how failure messages name it; absent where the spec declares no body. */
  body?: { schema: JsonSchema; label: string };
}

export class ContractOperation {
  private readonly pathPattern: RegExp;

  constructor(
    readonly operationId: string,
    readonly method: string,
    readonly path: string,
    readonly spec: SpecOperation,
  ) {
    const segments = path.split(/\{[^}]+\}/).map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
    this.pathPattern = new RegExp(`^${segments.join('[^/]+')}$`);
  }

  /** Whether a request with this method to this path (without query) is a call of this operation. */
  matches(method: string, pathname: string): boolean {
    return method.toUpperCase() === this.method && this.pathPattern.test(pathname);
  }

  toString(): string {
    return `${this.operationId} (${this.method} ${this.path})`;
  }
}

export class ContractViolation extends Error {
  constructor(
    readonly operation: ContractOperation,
    readonly status: number,
    readonly problems: readonly string[],
    checkedAgainst: string | undefined,
  ) {
    const against = checkedAgainst === undefined ? '' : ` (body checked against ${checkedAgainst})`;
    const list = problems.map((problem) => `  - ${problem}`).join('\n');
    super(`${operation} answered ${status}, which does not conform to management.yaml${against}:\n${list}`);
    this.name = 'ContractViolation';
  }
}

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function describeError(error: ErrorObject, body: unknown): string {
  const where = error.instancePath === '' ? '(body)' : error.instancePath;
  if (error.keyword === 'false schema') return `${where}: is writeOnly and must not appear in a response`;
  let message = `${where}: ${error.message ?? error.keyword}`;
  if (error.keyword === 'enum') message += ` ${JSON.stringify(error.params.allowedValues)}`;
  if (error.keyword === 'additionalProperties') message += ` (${String(error.params.additionalProperty)})`;
  if (['type', 'enum', 'format', 'const', 'pattern', 'minLength', 'maxLength'].includes(error.keyword)) {
    message += `, got ${JSON.stringify(valueAt(body, error.instancePath))?.slice(0, 80)}`;
  }
  return message;
}

/** Ajv reports each failed branch of an anyOf and then the anyOf itself; the summary line says nothing new. */
function describeErrors(errors: readonly ErrorObject[], body: unknown): string[] {
  const specific = errors.filter((error) => error.keyword !== 'anyOf' && error.keyword !== 'if');
  return [...new Set(specific.map((error) => describeError(error, body)))];
}

export class OpenApiContract {
  private readonly operations = new Map<string, ContractOperation>();
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly converter: SchemaConverter;

  constructor(private readonly document: SpecDocument) {
    this.converter = new SchemaConverter(document.components.schemas);
    // Bodies are checked as they are: no defaults filled in, no coercion; every problem reported.
    this.ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false, strictTuples: false });
    // ajv-formats is CommonJS: under NodeNext its plugin is the module's `default`.
    formats.default(this.ajv);
    for (const [name, format] of Object.entries(OPENAPI_FORMATS)) this.ajv.addFormat(name, format);
    this.ajv.addFormat('url', this.ajv.formats.uri!);
    this.ajv.addSchema({ $id: DOCUMENT_ID, definitions: this.converter.definitions() });

    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (operation?.operationId === undefined) continue;
        this.operations.set(
          operation.operationId,
          new ContractOperation(operation.operationId, method.toUpperCase(), path, operation),
        );
      }
    }
  }

  operation(ref: OperationRef): ContractOperation {
    if (typeof ref === 'string') {
      const operation = this.operations.get(ref);
      if (operation === undefined) throw new Error(`management.yaml has no operation ${ref}`);
      return operation;
    }
    const method = ref.method.toUpperCase();
    for (const operation of this.operations.values()) {
      if (operation.method === method && operation.path === ref.path) return operation;
    }
    throw new Error(`management.yaml has no operation ${method} ${ref.path}`);
  }

  /** Everything wrong with `response` as an answer of the operation; empty when it conforms. */
  problems(ref: OperationRef, response: ObservedResponse): string[] {
    return this.check(this.operation(ref), response).problems;
  }

  /** Throws a ContractViolation listing every problem when `response` does not conform. */
  assertConforms(ref: OperationRef, response: ObservedResponse): void {
    const operation = this.operation(ref);
    const { problems, checkedAgainst } = this.check(operation, response);
    if (problems.length > 0) throw new ContractViolation(operation, response.status, problems, checkedAgainst);
  }

  private check(operation: ContractOperation, response: ObservedResponse): { problems: string[]; checkedAgainst?: string } {
    const declared = this.declaredResponse(operation, response.status);
    if (declared === undefined) {
      const statuses = Object.keys(operation.spec.responses ?? {}).join(', ');
      return { problems: [`status ${response.status} is not declared (declared: ${statuses})`] };
    }
    if (declared.body === undefined) {
      return { problems: response.status === 204 && response.body !== '' ? ['a 204 answer must have no body'] : [] };
    }
    const checkedAgainst = `${declared.body.label} for ${declared.key}`;
    const problems: string[] = [];
    if (response.contentType != null && !/^application\/json\b/.test(response.contentType)) {
      problems.push(`Content-Type is ${response.contentType}, the spec declares application/json`);
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return { problems: [...problems, `body is not JSON: ${JSON.stringify(response.body.slice(0, 80))}`], checkedAgainst };
    }
    const validate = this.validator(`${operation.operationId} ${declared.key}`, declared.body.schema);
    if (!validate(body)) problems.push(...describeErrors(validate.errors ?? [], body));
    return { problems, checkedAgainst };
  }

  private declaredResponse(operation: ContractOperation, status: number): DeclaredResponse | undefined {
    const code = String(status);
    const defect = RESPONSE_DEFECTS.find((entry) => entry.status === code && entry.operationIds.includes(operation.operationId));
    if (defect !== undefined) {
      return { key: code, body: { schema: schemaRef(defect.schema), label: `${SCHEMA_REF}${defect.schema} (known spec defect)` } };
    }
    const responses = operation.spec.responses ?? {};
    const key = [code, `${code[0]}XX`, 'default'].find((candidate) => responses[candidate] !== undefined);
    if (key !== undefined) return this.responseSchema(key, responses[key]!);
    // The spec declares authentication failures once, on the security scheme, not on each operation.
    if (status === 401 && operation.spec.security?.some((requirement) => 'apiToken' in requirement)) {
      return this.responseSchema(code, { $ref: `${RESPONSE_REF}ErrorInvalidToken401` });
    }
    return undefined;
  }

  private responseSchema(key: string, response: SpecNode): DeclaredResponse {
    const resolved =
      typeof response.$ref === 'string' ? this.document.components.responses[refName(response.$ref, RESPONSE_REF)]! : response;
    const content = (resolved.content ?? {}) as Record<string, { schema?: SpecNode }>;
    const mediaType = Object.keys(content).find((type) => /json/.test(type));
    const schema = mediaType === undefined ? undefined : content[mediaType]!.schema;
    if (schema === undefined) return { key };
    const label = typeof schema.$ref === 'string' ? schema.$ref : JSON.stringify(schema);
    return { key, body: { schema: this.converter.convert(schema, { inAllOf: false, propertiesNullable: false }), label } };
  }

  private validator(key: string, schema: JsonSchema): ValidateFunction {
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

let managementContract: OpenApiContract | undefined;

/** The contract of Okta's Management API, read from management.yaml once per process. */
export function oktaManagementContract(): OpenApiContract {
  managementContract ??= new OpenApiContract(parse(readFileSync(MANAGEMENT_SPEC_PATH, 'utf8')) as SpecDocument);
  return managementContract;
}
