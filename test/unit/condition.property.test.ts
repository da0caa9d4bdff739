import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConditionSyntaxError,
  evaluateCondition,
  parseCondition,
  printCondition,
  type Comparison,
  type Condition,
  type Lookup,
} from '../../src/policy/condition.ts';
import type { AttributeValue } from '../../src/policy/schema.ts';

const KEYWORDS = new Set(['and', 'or', 'not']);
const anyPath = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,6}(\.[A-Za-z0-9_-]{1,6}){0,2}$/)
  .filter((path) => !KEYWORDS.has(path.toLowerCase()));
const anyReference = fc.tuple(fc.constantFrom('old.', 'new.'), anyPath).map(([side, path]) => ({ path: side + path }));

/** Values a record may hold, drawn so that comparisons with the literals below often meet. */
const SAMPLE_TEXT = ['x', 'X', 'abc', '', '10', '9', '9.5', 'true', 'FALSE', '2026-11-24', '2026-11-24T00:00:00Z', '2026-11-24T06:00:00+05:00', '2027-01-01'];
const sampleValue: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.constantFrom(...SAMPLE_TEXT),
  fc.integer({ min: -2, max: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 4 }),
);
const SAMPLE_PATHS = ['a', 'b', 'old.a', 'new.a'];
const record = fc.record(Object.fromEntries(SAMPLE_PATHS.map((path) => [path, sampleValue])), { requiredKeys: [] });
const lookupIn =
  (values: Partial<Record<string, AttributeValue>>): Lookup =>
  (path) =>
    Object.hasOwn(values, path) ? values[path] : undefined;

/** Comparisons the parser accepts: null and booleans only with eq and ne. */
function comparison(path: fc.Arbitrary<string>, text: fc.Arbitrary<string>, number: fc.Arbitrary<number>, reference: fc.Arbitrary<{ path: string }>) {
  const ordered = fc.oneof(text, number, reference);
  return fc.oneof(
    fc.record({ op: fc.constantFrom('eq', 'ne'), path, value: fc.oneof(ordered, fc.boolean(), fc.constant(null)) }),
    fc.record({ op: fc.constantFrom('co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'), path, value: ordered }),
  ) as fc.Arbitrary<Comparison>;
}

function conditions(leaf: fc.Arbitrary<Condition>): fc.Arbitrary<Condition> {
  return fc.letrec<{ node: Condition }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 5, depthIdentifier: 'condition' },
      leaf,
      fc.record({ op: fc.constantFrom('and', 'or'), left: tie('node'), right: tie('node') }) as fc.Arbitrary<Condition>,
      fc.record({ op: fc.constant('not'), operand: tie('node') }) as fc.Arbitrary<Condition>,
    ),
  })).node;
}

const anyNumber = fc.double({ noNaN: true, noDefaultInfinity: true });
const anyCondition = conditions(
  fc.oneof(comparison(anyPath, fc.string({ unit: 'binary' }), anyNumber, anyReference), fc.record({ op: fc.constant('pr' as const), path: anyPath })),
);

const sampleComparison = comparison(
  fc.constantFrom(...SAMPLE_PATHS),
  fc.oneof(fc.constantFrom(...SAMPLE_TEXT), fc.string({ maxLength: 3 })),
  fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(9.5, -0)),
  fc.constantFrom({ path: 'old.a' }, { path: 'new.a' }),
);
const sampleLeaf = fc.oneof(sampleComparison, fc.record({ op: fc.constant('pr' as const), path: fc.constantFrom(...SAMPLE_PATHS) }));
const sampleCondition = conditions(sampleLeaf);

/** What a tree means, read straight from its shape; only single comparisons go through the evaluator. */
function meaning(condition: Condition, lookup: Lookup): boolean {
  switch (condition.op) {
    case 'and':
      return meaning(condition.left, lookup) && meaning(condition.right, lookup);
    case 'or':
      return meaning(condition.left, lookup) || meaning(condition.right, lookup);
    case 'not':
      return !meaning(condition.operand, lookup);
    default:
      return evaluateCondition(condition, lookup);
  }
}

type Pick = <T>(choices: readonly T[]) => T;

/**
 * Another way to write the same tree: keywords in any case, any white space, `not` before a bare
 * comparison, and parentheses wherever they are allowed, not only where precedence needs them.
 */
function looseText(condition: Condition, pick: Pick): string {
  const space = () => pick([' ', '  ', '\t', '\n ']);
  const keyword = (word: string) => pick([word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1)]);
  const binding = (node: Condition) => (node.op === 'or' ? 1 : node.op === 'and' ? 2 : 3);
  const wrap = (text: string, needed: boolean) => (needed || pick([false, false, true]) ? `(${pick(['', ' '])}${text}${pick(['', ' '])})` : text);
  switch (condition.op) {
    case 'and':
    case 'or': {
      const own = binding(condition);
      const left = wrap(looseText(condition.left, pick), binding(condition.left) < own);
      const right = wrap(looseText(condition.right, pick), binding(condition.right) <= own);
      return `${left}${space()}${keyword(condition.op)}${space()}${right}`;
    }
    case 'not': {
      const operand = looseText(condition.operand, pick);
      const bare = binding(condition.operand) === 3 && pick([true, false]);
      return `${keyword('not')}${bare ? space() + operand : pick(['', ' ']) + wrap(operand, true)}`;
    }
    case 'pr':
      return `${condition.path}${space()}${keyword('pr')}`;
    default: {
      const { value } = condition;
      let written: string;
      if (typeof value === 'boolean' || value === null) written = keyword(String(value));
      else if (typeof value === 'object') written = value.path;
      else if (typeof value === 'string') written = JSON.stringify(value);
      else written = Object.is(value, -0) ? '-0' : pick([String(value), value.toExponential()]);
      return `${condition.path}${space()}${keyword(condition.op)}${pick([' ', '\t'])}${written}`;
    }
  }
}

describe('conditions, for any tree', () => {
  it('read back from their printed text as the same tree', () => {
    fc.assert(
      fc.property(anyCondition, (condition) => {
        expect(parseCondition(printCondition(condition))).toEqual(condition);
      }),
      { numRuns: 500 },
    );
  });

  it('read back the same from any other way of writing them', () => {
    fc.assert(
      fc.property(anyCondition, fc.gen(), (condition, gen) => {
        const pick: Pick = (choices) => gen(fc.constantFrom, ...choices);
        expect(parseCondition(looseText(condition, pick))).toEqual(condition);
      }),
      { numRuns: 500 },
    );
  });

  it('evaluate their printed text as their shape says: not over and over or', () => {
    fc.assert(
      fc.property(sampleCondition, record, (condition, values) => {
        const lookup = lookupIn(values);
        expect(evaluateCondition(parseCondition(printCondition(condition)), lookup)).toBe(meaning(condition, lookup));
      }),
      { numRuns: 1000 },
    );
  });

  it('evaluate not c as the negation of c, in both forms of not', () => {
    fc.assert(
      fc.property(sampleCondition, sampleLeaf, record, (condition, leaf, values) => {
        const lookup = lookupIn(values);
        expect(evaluateCondition(parseCondition(`not (${printCondition(condition)})`), lookup)).toBe(!evaluateCondition(condition, lookup));
        expect(evaluateCondition(parseCondition(`not ${printCondition(leaf)}`), lookup)).toBe(!evaluateCondition(leaf, lookup));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('comparisons, for any record', () => {
  it('evaluate ne as exactly not eq, with or without a value', () => {
    fc.assert(
      fc.property(sampleComparison, record, (leaf, values) => {
        const lookup = lookupIn(values);
        expect(evaluateCondition({ ...leaf, op: 'ne' }, lookup)).toBe(!evaluateCondition({ ...leaf, op: 'eq' }, lookup));
      }),
      { numRuns: 1000 },
    );
  });

  it('order consistently with eq: ge is gt or eq, le is lt or eq, and gt excludes lt', () => {
    const ordered = sampleComparison.filter((leaf) => typeof leaf.value === 'string' || typeof leaf.value === 'number');
    fc.assert(
      fc.property(ordered, record, (leaf, values) => {
        const lookup = lookupIn(values);
        const holds = (op: Comparison['op']) => evaluateCondition({ ...leaf, op }, lookup);
        expect(holds('ge')).toBe(holds('gt') || holds('eq'));
        expect(holds('le')).toBe(holds('lt') || holds('eq'));
        expect(holds('gt') && holds('lt')).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('any text', () => {
  const FRAGMENTS = ['a', 'old.a', 'new.', 'x..y', 'eq', 'NE', 'co', 'pr', 'gt', 'equals', 'not', 'and', 'OR', '(', ')', '"s"', '"', '\\', '\\u00', '1', '-2.5e3', '1e999', '12ab', 'true', 'null', '#', 'é', ' ', ' ', '\n'];
  const soup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((parts) => parts.join(''));
  const anyText = fc.oneof(soup, fc.string({ unit: 'binary', maxLength: 30 }), anyCondition.map(printCondition).chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))));

  it('either parses, and then prints back to the same tree, or fails with a ConditionSyntaxError inside the text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let condition: Condition;
        try {
          condition = parseCondition(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ConditionSyntaxError);
          const { column } = error as ConditionSyntaxError;
          expect(Number.isInteger(column) && column >= 1 && column <= text.length + 1).toBe(true);
          return;
        }
        expect(parseCondition(printCondition(condition))).toEqual(condition);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('comparisons on lists, for any record', () => {
  const list = fc.array(fc.constantFrom(...SAMPLE_TEXT), { maxLength: 3 });
  const withLists = fc.record(Object.fromEntries(SAMPLE_PATHS.map((path) => [path, fc.oneof(sampleValue, list)])), { requiredKeys: [] });

  it('evaluate ne as exactly not eq, a list on either side or both', () => {
    fc.assert(
      fc.property(sampleComparison, withLists, (leaf, values) => {
        const lookup = lookupIn(values);
        expect(evaluateCondition({ ...leaf, op: 'ne' }, lookup)).toBe(!evaluateCondition({ ...leaf, op: 'eq' }, lookup));
      }),
      { numRuns: 1000 },
    );
  });

  it('hold against a literal when they hold for some element, as RFC 7644 reads a multi-valued attribute; an empty list as no value', () => {
    const literal = sampleComparison.filter((leaf) => typeof leaf.value !== 'object' || leaf.value === null).filter((leaf) => leaf.op !== 'ne');
    fc.assert(
      fc.property(literal, list, (leaf, elements) => {
        const holds = (value: AttributeValue | undefined) => evaluateCondition(leaf, (path) => (path === leaf.path ? value : undefined));
        expect(holds(elements)).toBe(elements.length === 0 ? holds(undefined) : elements.some((element) => holds(element)));
      }),
      { numRuns: 1000 },
    );
  });
});
