import { isoInstant } from './iso-date.ts';
import { isReference, type Comparison, type ComparisonOperator, type Condition, type Literal } from './condition-ast.ts';
import { numberEnd } from './condition-lexer.ts';
import type { AttributeValue } from './schema.ts';

/** Reads an attribute by its path as written: `department`, `old.department`, `new.department`. */
export type Lookup = (path: string) => AttributeValue | undefined;
export type Predicate = (lookup: Lookup) => boolean;

type Present = string | number | boolean;
/** One value or none: what a comparison compares. A list is compared element by element. */
type Single = Literal | undefined;

/**
 * The right-hand side of a comparison with everything comparing needs worked out, so that a
 * literal's is worked out once, not once per row.
 */
interface Prepared {
  /** null for no value: a missing attribute and null are the same to a condition. */
  value: Present | null;
  text: string;
  /** A number, or a numeric string's value. */
  number: number | undefined;
  /** Milliseconds since the epoch, when the value is an ISO-8601 date or date-time. */
  instant: number | undefined;
}

const isAbsent = (value: Single): value is null | undefined => value === undefined || value === null;
/** Case-insensitive comparison of text compares lower-cased text. */
const textOf = (value: Present) => String(value).toLowerCase();
const numeric = (text: string) => (numberEnd(text, 0) === text.length ? Number(text) : undefined);
/** -1, 0 or 1 as a is below, equal to or above b; NaN when they cannot be ordered. */
const compare = <T extends number | string>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.NaN);

const ABSENT: Prepared = { value: null, text: '', number: undefined, instant: undefined };

function prepare(value: Single): Prepared {
  if (isAbsent(value)) return ABSENT;
  if (typeof value === 'string') return { value, text: textOf(value), number: numeric(value), instant: isoInstant(value) };
  return { value, text: textOf(value), number: typeof value === 'number' ? value : undefined, instant: undefined };
}

/**
 * A literal's type decides how text on the other side is read: `eq 42` reads "42" as a number,
 * `eq true` reads "TRUE" as true, a date reads another date as an instant. Two strings are otherwise
 * compared as text, so "007" and "7" differ.
 */
function equals(actual: Single, expected: Prepared): boolean {
  // `eq null` asks for no value, and no value equals nothing else.
  if (isAbsent(actual) || expected.value === null) return (actual ?? null) === expected.value;
  switch (typeof actual) {
    case 'string': {
      if (typeof expected.value === 'number') return numeric(actual) === expected.value;
      if (expected.instant !== undefined) {
        const instant = isoInstant(actual);
        if (instant !== undefined) return instant === expected.instant;
      }
      return textOf(actual) === expected.text;
    }
    case 'number':
      return actual === expected.number;
    default:
      return typeof expected.value === 'boolean' ? actual === expected.value : typeof expected.value === 'string' && expected.text === textOf(actual);
  }
}

/**
 * Ordering reads values as `equals` does, so that `ge` is always `gt or eq`; a boolean, equal to
 * its text, orders as its text too. No value, and a boolean against a number, have no order.
 */
function order(actual: Single, expected: Prepared): number {
  if (isAbsent(actual) || expected.value === null) return Number.NaN;
  if (typeof actual === 'number') return expected.number === undefined ? Number.NaN : compare(actual, expected.number);
  if (typeof expected.value === 'number') {
    const number = typeof actual === 'string' ? numeric(actual) : undefined;
    return number === undefined ? Number.NaN : compare(number, expected.value);
  }
  if (typeof actual === 'string' && expected.instant !== undefined) {
    const instant = isoInstant(actual);
    if (instant !== undefined) return compare(instant, expected.instant);
  }
  return compare(textOf(actual), expected.text);
}

/**
 * Every comparison with no value is false, except `ne`: it is exactly `not eq`, so that
 * `a ne "x"` and `not (a eq "x")` never disagree, and `old.department ne new.department` holds when
 * a department appears or disappears.
 */
const TESTS: Record<ComparisonOperator, (actual: Single, expected: Prepared) => boolean> = {
  eq: equals,
  ne: (actual, expected) => !equals(actual, expected),
  co: (actual, expected) => !isAbsent(actual) && expected.value !== null && textOf(actual).includes(expected.text),
  sw: (actual, expected) => !isAbsent(actual) && expected.value !== null && textOf(actual).startsWith(expected.text),
  ew: (actual, expected) => !isAbsent(actual) && expected.value !== null && textOf(actual).endsWith(expected.text),
  gt: (actual, expected) => order(actual, expected) > 0,
  ge: (actual, expected) => order(actual, expected) >= 0,
  lt: (actual, expected) => order(actual, expected) < 0,
  le: (actual, expected) => order(actual, expected) <= 0,
};

/** An empty list holds no value, as an absent attribute does: `pr` is false for it, `eq null` true. */
const elementsOf = (value: AttributeValue | undefined): readonly string[] | undefined => (Array.isArray(value) && value.length > 0 ? value : undefined);
const single = (value: AttributeValue | undefined): Single => (Array.isArray(value) ? undefined : (value as Single));

/**
 * A multi-valued attribute matches when any of its values does (RFC 7644 §3.4.2.2), so that
 * `groups eq "Engineering"` asks for membership. `ne` stays exactly `not eq`: `groups ne "x"`
 * means "not a member of x", where the RFC's reading would hold for anyone in a second group.
 */
function test(op: ComparisonOperator, actual: AttributeValue | undefined, expected: Prepared): boolean {
  const elements = elementsOf(actual);
  if (!elements) return TESTS[op](single(actual), expected);
  if (op === 'ne') return !elements.some((element) => equals(element, expected));
  return elements.some((element) => TESTS[op](element, expected));
}

/** Two lists are equal when each element of one equals one of the other: order and repeats do not count. */
const sameElements = (a: readonly string[], b: readonly string[]) =>
  a.every((element) => b.some((other) => equals(element, prepare(other)))) && b.every((element) => a.some((other) => equals(element, prepare(other))));

/**
 * An attribute on the right that holds a list: `old.groups ne new.groups` compares the lists as
 * sets; a single value on the left is compared with each element, holding when any does (`ne`:
 * when none is equal).
 */
function testAgainst(op: ComparisonOperator, actual: AttributeValue | undefined, other: AttributeValue | undefined): boolean {
  const others = elementsOf(other);
  if (!others) return test(op, actual, prepare(single(other)));
  const elements = elementsOf(actual);
  if (elements && (op === 'eq' || op === 'ne')) return sameElements(elements, others) === (op === 'eq');
  if (op === 'ne') return !others.some((value) => test('eq', actual, prepare(value)));
  return others.some((value) => test(op, actual, prepare(value)));
}

function compileComparison({ op, path, value }: Comparison): Predicate {
  if (isReference(value)) {
    const other = value.path;
    return (lookup) => testAgainst(op, lookup(path), lookup(other));
  }
  const expected = prepare(value);
  return (lookup) => test(op, lookup(path), expected);
}

/** Turns a condition into a function of a record, doing per condition all the work that does not depend on the record. */
export function compileCondition(condition: Condition): Predicate {
  switch (condition.op) {
    case 'and': {
      const left = compileCondition(condition.left);
      const right = compileCondition(condition.right);
      return (lookup) => left(lookup) && right(lookup);
    }
    case 'or': {
      const left = compileCondition(condition.left);
      const right = compileCondition(condition.right);
      return (lookup) => left(lookup) || right(lookup);
    }
    case 'not': {
      const operand = compileCondition(condition.operand);
      return (lookup) => !operand(lookup);
    }
    case 'pr': {
      const { path } = condition;
      return (lookup) => {
        const value = lookup(path);
        if (Array.isArray(value)) return value.some((element) => element !== '');
        return !isAbsent(value as Single) && value !== '';
      };
    }
    default:
      return compileComparison(condition);
  }
}

const compiled = new WeakMap<Condition, Predicate>();

/** Compiles a condition on its first evaluation and reuses that for every later one. */
export function evaluateCondition(condition: Condition, lookup: Lookup): boolean {
  let predicate = compiled.get(condition);
  if (!predicate) {
    predicate = compileCondition(condition);
    compiled.set(condition, predicate);
  }
  return predicate(lookup);
}
