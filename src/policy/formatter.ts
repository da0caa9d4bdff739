import { suggest } from './problems.ts';
import type { AttributeValue } from './schema.ts';
import { ArgumentError, NEXT_NUMBER, transformerFunctions, ValueError, type Bindable, type Parameter } from './transformer-functions.ts';

/**
 * Veza-style attribute formatters: `{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"`.
 *
 * - Text outside braces is literal, up to the first `|` outside braces; `{`, `}` and `|` cannot
 *   be literal there (`APPEND,"|"` can add one).
 * - `{path}` inserts an attribute (`department`, `old.department`), optionally through its own
 *   pipeline: `{department | LOWER}`. `{NEXT_NUMBER,start,width}` inserts a number instead (see
 *   transformer-functions.ts).
 * - `| FUNCTION,arg,…` after the text transforms the whole value. Arguments are double-quoted
 *   strings, with `\"` and `\\` as the only escapes, or whole numbers.
 *
 * An attribute that holds a list (a SCIM user's `groups`) inserts each element through the
 * pipeline inside its braces: `render` joins the results with ", " (one value, such as a profile
 * attribute), `renderEach` gives one value per element (a list of groups), and with two lists in
 * one formatter, one per combination.
 *
 * An attribute the record lacks (null, absent, "" or an empty list) makes its value missing. A missing value
 * passes through every function but DEFAULT, and makes the text it stands in missing too; a value
 * that is still missing at the end is a MissingAttributeError. So `{manager_email | DEFAULT,"it@example.com"}`,
 * `{manager_email} | DEFAULT,"it@example.com"` and `{middle_name | APPEND,"." | DEFAULT,""}` all work.
 */

export type Lookup = (path: string) => AttributeValue | undefined;

/** The formatter text is wrong: syntax, an unknown function, or arguments that do not fit it. */
export class FormatterError extends Error {
  constructor(
    message: string,
    /** Zero-based offset in the formatter text, so the loader can point at the column. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A record the formatter cannot render; the planner fails that change with this message. */
export class RenderError extends Error {}

export class MissingAttributeError extends RenderError {
  constructor(readonly attribute: string) {
    super(`the record has no value for "${attribute}"`);
  }
}

export interface CompiledFormatter {
  readonly source: string;
  /** Every attribute path the formatter reads, as written, each once. */
  readonly attributes: readonly string[];
  readonly usesNextNumber: boolean;
  /**
   * Throws RenderError (MissingAttributeError among them) for a record it cannot render. A
   * formatter that uses NEXT_NUMBER needs `nextNumber`, the attempt 0, 1, 2, …: without it, it throws.
   */
  render(lookup: Lookup, options?: { nextNumber?: number }): string;
  /**
   * One value per element of the list attributes it inserts (per combination, for several), in
   * their order, each repeated once: `app-{groups | LOWER}` gives a group per group. A list that
   * is empty gives no values rather than a missing one: a person in no group needs no group.
   */
  renderEach(lookup: Lookup, options?: { nextNumber?: number }): string[];
}

export const knownFunctions: readonly string[] = [...Object.keys(transformerFunctions), 'NEXT_NUMBER'];

/** A missing value, naming the attribute to blame should it stay missing. */
class Missing {
  constructor(
    readonly attribute: string,
    /** Missing because the attribute is an empty list: in a list of values, that is no values. */
    readonly emptyList = false,
  ) {}
}
/** The values of a list attribute, each through the pipeline in its braces. */
class Several {
  constructor(readonly values: readonly string[]) {}
}
type Value = string | Missing;
type Piece = (lookup: Lookup, nextNumber: number) => Value | Several;

const LIST_SEPARATOR = ', ';

interface Step {
  name: string;
  fillsMissing: boolean;
  apply: (value: string) => string;
}

function runSteps(value: Value, steps: readonly Step[], attribute: string | undefined): Value {
  for (const step of steps) {
    if (value instanceof Missing && !step.fillsMissing) continue;
    try {
      value = step.apply(value instanceof Missing ? '' : value);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new RenderError(`${step.name}${attribute === undefined ? '' : ` of "${attribute}"`}: ${error.message}`);
    }
  }
  return value;
}

interface Argument {
  value: string | number;
  offset: number;
}

const counts = ['no', 'one', 'two', 'three'];

function describeGroup(parameters: readonly Parameter[]): string {
  const types = new Set(parameters.map((parameter) => parameter.type));
  const noun = types.size === 1 ? [...types][0]! : 'argument';
  return `${counts[parameters.length]} ${noun}${parameters.length === 1 ? '' : 's'} (${parameters.map((parameter) => parameter.name).join(', ')})`;
}

function describeParameters(parameters: readonly Parameter[]): string {
  const required = parameters.filter((parameter) => !parameter.optional);
  const optional = parameters.filter((parameter) => parameter.optional);
  if (parameters.length === 0) return 'no arguments';
  if (optional.length === 0) return describeGroup(required);
  return required.length === 0 ? `no arguments or ${describeGroup(optional)}` : `${describeGroup(required)} and optionally ${describeGroup(optional)}`;
}

const describeArguments = (args: readonly Argument[]) =>
  args.length === 0 ? 'none' : args.map(({ value }) => (typeof value === 'string' ? JSON.stringify(value) : String(value))).join(', ');

/** Checks the arguments against the parameters, then lets the function bind them. */
function bindArguments<Apply>(name: string, offset: number, fn: Bindable<Apply>, args: readonly Argument[]): Apply {
  const usage = () => `${name} takes ${describeParameters(fn.parameters)}, got ${describeArguments(args)}`;
  const required = fn.parameters.filter((parameter) => !parameter.optional).length;
  if (args.length < required || args.length > fn.parameters.length) throw new FormatterError(usage(), offset);
  args.forEach((arg, i) => {
    if (typeof arg.value !== fn.parameters[i]!.type) throw new FormatterError(usage(), arg.offset);
  });
  try {
    return fn.bind(args.map((arg) => arg.value));
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    throw new FormatterError(`${name}: ${error.message}`, args[error.index]?.offset ?? offset);
  }
}

const namePattern = /[A-Za-z_][A-Za-z0-9_]*/y;
const pathPattern = /[A-Za-z0-9_.-]+/y;
const attributePath = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;
const digitsPattern = /\d+/y;
const literalPattern = /[^{}|]+/y;

/** A recursive-descent parser over the formatter text; `at` is the offset it has reached. */
class Parser {
  at = 0;
  readonly attributes = new Set<string>();
  usesNextNumber = false;

  constructor(readonly source: string) {}

  private fail(message: string, offset = this.at): never {
    throw new FormatterError(message, offset);
  }

  private get next(): string | undefined {
    return this.source[this.at];
  }

  private skipSpaces(): void {
    while (this.next === ' ' || this.next === '\t' || this.next === '\n' || this.next === '\r') this.at++;
  }

  private match(pattern: RegExp): string {
    pattern.lastIndex = this.at;
    const found = pattern.exec(this.source)?.[0] ?? '';
    this.at += found.length;
    return found;
  }

  private found(): string {
    return this.next === undefined ? 'the end' : JSON.stringify(this.source.slice(this.at, this.at + 12));
  }

  formatter(): { pieces: Piece[]; steps: Step[] } {
    const pieces: Array<Piece | string> = [];
    while (this.next !== undefined && this.next !== '|') {
      if (this.next === '{') pieces.push(this.braces());
      else if (this.next === '}') this.fail('a } has no matching {');
      else pieces.push(this.match(literalPattern));
    }
    const steps: Step[] = [];
    if (this.next === '|') {
      // Spaces before a top-level pipe separate it from the text; they are not part of the value.
      const last = pieces.at(-1);
      if (typeof last === 'string') pieces[pieces.length - 1] = last.trimEnd();
      if (pieces.every((piece) => piece === '')) this.fail('a pipeline needs a value before the first |');
      while (this.next === '|') {
        this.at++;
        steps.push(this.step());
        if (this.next !== undefined && this.next !== '|') this.fail(`expected | or the end after ${steps.at(-1)!.name}, found ${this.found()}`);
      }
    }
    return { pieces: pieces.filter((piece) => piece !== '').map((piece) => (typeof piece === 'string' ? () => piece : piece)), steps };
  }

  private braces(): Piece {
    const open = this.at++;
    this.skipSpaces();
    const start = this.at;
    const path = this.match(pathPattern);
    if (this.next === undefined) this.fail('a { is not closed', open);
    if (path === '') this.fail(`expected an attribute name, found ${this.found()}`);
    this.skipSpaces();
    const piece = path === 'NEXT_NUMBER' || this.next === ',' ? this.nextNumber(path, start) : this.attribute(path, start);
    const steps: Step[] = [];
    while (this.next === '|') {
      this.at++;
      steps.push(this.step());
    }
    if (this.next === undefined) this.fail('a { is not closed', open);
    if (this.next !== '}') this.fail(`expected | or } after ${steps.at(-1)?.name ?? path}, found ${this.found()}`);
    this.at++;
    if (steps.length === 0) return piece;
    const attribute = path === 'NEXT_NUMBER' ? undefined : path;
    return (lookup, nextNumber) => {
      const value = piece(lookup, nextNumber);
      // A function in the braces applies to each element: `{groups | LOWER}`.
      if (value instanceof Several) return new Several(value.values.map((element) => runSteps(element, steps, attribute) as string));
      return runSteps(value, steps, attribute);
    };
  }

  private attribute(path: string, offset: number): Piece {
    if (!attributePath.test(path)) this.fail(`"${path}" is not an attribute name`, offset);
    this.attributes.add(path);
    const missing = new Missing(path);
    const emptyList = new Missing(path, true);
    return (lookup) => {
      const value = lookup(path);
      if (Array.isArray(value)) {
        const elements = value.filter((element) => element !== '');
        return elements.length === 0 ? emptyList : new Several(elements);
      }
      if (value === undefined || value === null || value === '') return missing;
      return typeof value === 'string' ? value : String(value);
    };
  }

  private nextNumber(name: string, offset: number): Piece {
    if (name !== 'NEXT_NUMBER') this.fail(`only NEXT_NUMBER takes arguments inside braces, not "${name}"${suggest(name, ['NEXT_NUMBER'])}`, offset);
    this.usesNextNumber = true;
    const render = bindArguments(name, offset, NEXT_NUMBER, this.arguments());
    return (_lookup, nextNumber) => render(nextNumber);
  }

  private step(): Step {
    this.skipSpaces();
    const offset = this.at;
    const name = this.match(namePattern);
    if (name === '') this.fail(`expected a function name after |, found ${this.found()}`);
    if (name === 'NEXT_NUMBER') this.fail('NEXT_NUMBER is a value, not a function: write it in braces, e.g. {NEXT_NUMBER,2}', offset);
    const fn = transformerFunctions[name];
    if (!fn) this.fail(`unknown function "${name}"${suggest(name, knownFunctions)}; known functions: ${knownFunctions.join(', ')}`, offset);
    this.skipSpaces();
    return { name, fillsMissing: fn.fillsMissing, apply: bindArguments(name, offset, fn, this.arguments()) };
  }

  /** The `,arg` list after a function name, up to what follows it. */
  private arguments(): Argument[] {
    const args: Argument[] = [];
    while (this.next === ',') {
      this.at++;
      this.skipSpaces();
      const offset = this.at;
      args.push({ value: this.argument(), offset });
      this.skipSpaces();
    }
    return args;
  }

  private argument(): string | number {
    if (this.next === '"') return this.string();
    const digits = this.match(digitsPattern);
    if (digits !== '') {
      const value = Number(digits);
      if (!Number.isSafeInteger(value)) this.fail(`${digits} is too large a number`, this.at - digits.length);
      return value;
    }
    const word = this.match(namePattern);
    if (word !== '') this.fail(`expected a number or a "quoted string", found ${word}: write "${word}"`, this.at - word.length);
    return this.fail(`expected a number or a "quoted string", found ${this.found()}`);
  }

  private string(): string {
    const open = this.at++;
    let value = '';
    for (;;) {
      const char = this.next;
      if (char === undefined) this.fail('a " is not closed', open);
      this.at++;
      if (char === '"') return value;
      if (char === '\\') {
        const escaped = this.next;
        if (escaped === undefined) this.fail('a " is not closed', open);
        if (escaped !== '"' && escaped !== '\\') this.fail('in a string only \\" and \\\\ are escapes', this.at - 1);
        value += escaped;
        this.at++;
      } else {
        value += char;
      }
    }
  }
}

/**
 * The texts the pieces make: one, or one per combination of list elements when `each`. A list
 * in a single value is its elements joined with ", ".
 */
function assemble(pieces: readonly Piece[], lookup: Lookup, nextNumber: number, each: boolean): Value[] {
  let texts = [''];
  for (const piece of pieces) {
    const part = piece(lookup, nextNumber);
    if (part instanceof Missing) return [part];
    const options = part instanceof Several ? (each ? part.values : [part.values.join(LIST_SEPARATOR)]) : [part];
    texts = texts.flatMap((text) => options.map((option) => text + option));
  }
  return texts;
}

/** Parses once; the result renders any number of records without parsing again. */
export function compileFormatter(source: string): CompiledFormatter {
  const parser = new Parser(source);
  const { pieces, steps } = parser.formatter();
  const usesNextNumber = parser.usesNextNumber;
  const nextNumberOf = (options: { nextNumber?: number } | undefined) => {
    const nextNumber = options?.nextNumber ?? -1;
    if (usesNextNumber && !(Number.isSafeInteger(nextNumber) && nextNumber >= 0)) {
      throw new Error(`"${source}" uses NEXT_NUMBER, so rendering it needs options.nextNumber, the attempt 0, 1, 2, …`);
    }
    return nextNumber;
  };
  return {
    source,
    attributes: [...parser.attributes],
    usesNextNumber,
    render(lookup, options) {
      const [value] = assemble(pieces, lookup, nextNumberOf(options), false);
      const result = runSteps(value!, steps, undefined);
      if (result instanceof Missing) throw new MissingAttributeError(result.attribute);
      return result;
    },
    renderEach(lookup, options) {
      const results = assemble(pieces, lookup, nextNumberOf(options), true).map((value) => runSteps(value, steps, undefined));
      const missing = results.find((result) => result instanceof Missing);
      if (missing) {
        if (missing.emptyList) return [];
        throw new MissingAttributeError(missing.attribute);
      }
      return [...new Set(results as string[])];
    },
  };
}
