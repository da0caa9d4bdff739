import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  ConditionSyntaxError,
  conditionPaths,
  evaluateCondition,
  parseCondition,
  printCondition,
  type Lookup,
} from '../../src/policy/condition.ts';
import type { AttributeValue } from '../../src/policy/schema.ts';

const recordLookup =
  (record: Record<string, AttributeValue>): Lookup =>
  (path) =>
    record[path];
const holds = (text: string, record: Record<string, AttributeValue>) => evaluateCondition(parseCondition(text), recordLookup(record));

function syntaxError(text: string): [number, string] | unknown {
  try {
    parseCondition(text);
  } catch (error) {
    return error instanceof ConditionSyntaxError ? [error.column, error.message] : error;
  }
  return 'parsed';
}

describe('parsing conditions', () => {
  it.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])('reads the %s operator, in any case', (op) => {
    expect(parseCondition(`title ${op} "Engineer"`)).toEqual({ op, path: 'title', value: 'Engineer' });
    expect(parseCondition(`title ${op.toUpperCase()} "Engineer"`)).toEqual({ op, path: 'title', value: 'Engineer' });
  });

  it('reads presence, keywords and literals in any case', () => {
    expect(parseCondition('manager_id PR')).toEqual({ op: 'pr', path: 'manager_id' });
    expect(parseCondition('NOT a Eq TRUE AND b eq False OR c eq NULL')).toEqual({
      op: 'or',
      left: { op: 'and', left: { op: 'not', operand: { op: 'eq', path: 'a', value: true } }, right: { op: 'eq', path: 'b', value: false } },
      right: { op: 'eq', path: 'c', value: null },
    });
  });

  it('binds and tighter than or', () => {
    expect(parseCondition('a eq 1 or b eq 2 and c eq 3')).toEqual({
      op: 'or',
      left: { op: 'eq', path: 'a', value: 1 },
      right: { op: 'and', left: { op: 'eq', path: 'b', value: 2 }, right: { op: 'eq', path: 'c', value: 3 } },
    });
    expect(parseCondition('a eq 1 and b eq 2 or c eq 3')).toEqual({
      op: 'or',
      left: { op: 'and', left: { op: 'eq', path: 'a', value: 1 }, right: { op: 'eq', path: 'b', value: 2 } },
      right: { op: 'eq', path: 'c', value: 3 },
    });
  });

  it('binds not tighter than and, in both its SCIM form and before a bare comparison', () => {
    const negatedFirst = { op: 'and', left: { op: 'not', operand: { op: 'pr', path: 'a' } }, right: { op: 'pr', path: 'b' } };
    expect(parseCondition('not a pr and b pr')).toEqual(negatedFirst);
    expect(parseCondition('not (a pr) and b pr')).toEqual(negatedFirst);
    expect(parseCondition('not (a pr and b pr)')).toEqual({ op: 'not', operand: { op: 'and', left: { op: 'pr', path: 'a' }, right: { op: 'pr', path: 'b' } } });
    expect(parseCondition('not not a pr')).toEqual({ op: 'not', operand: { op: 'not', operand: { op: 'pr', path: 'a' } } });
  });

  it('groups with parentheses, and reads chains left to right', () => {
    expect(parseCondition('(a pr or b pr) and c pr')).toEqual({
      op: 'and',
      left: { op: 'or', left: { op: 'pr', path: 'a' }, right: { op: 'pr', path: 'b' } },
      right: { op: 'pr', path: 'c' },
    });
    expect(parseCondition('a pr and b pr and c pr')).toEqual({
      op: 'and',
      left: { op: 'and', left: { op: 'pr', path: 'a' }, right: { op: 'pr', path: 'b' } },
      right: { op: 'pr', path: 'c' },
    });
    expect(parseCondition('((a pr))')).toEqual({ op: 'pr', path: 'a' });
  });

  it('reads string escapes, numbers, and paths with dots, digits, dashes and underscores', () => {
    expect(parseCondition(String.raw`x eq "say \"hi\" \\ \u00e9\n\/\t"`)).toEqual({ op: 'eq', path: 'x', value: 'say "hi" \\ é\n/\t' });
    expect(parseCondition('x gt -12.5e3')).toEqual({ op: 'gt', path: 'x', value: -12500 });
    expect(parseCondition('x eq 0')).toEqual({ op: 'eq', path: 'x', value: 0 });
    expect(parseCondition('custom.cost-center_2 eq"a"')).toEqual({ op: 'eq', path: 'custom.cost-center_2', value: 'a' });
  });

  it('reads an old. or new. attribute on the right as that attribute', () => {
    const condition = parseCondition('old.department ne new.department');
    expect(condition).toEqual({ op: 'ne', path: 'old.department', value: { path: 'new.department' } });
    expect(conditionPaths(condition)).toEqual(['old.department', 'new.department']);
  });

  it('lists the attribute paths a condition reads, each once, as written', () => {
    expect(conditionPaths(parseCondition('employment_type eq "FTE" and not (department eq "Legal" or old.department eq "Legal") and department pr'))).toEqual([
      'employment_type',
      'department',
      'old.department',
    ]);
  });

  it.each([
    ['', 1, 'the condition is empty'],
    ['department equals "Sales"', 12, 'unknown operator \'equals\'; known: eq, ne, co, sw, ew, gt, ge, lt, le, pr'],
    ['department EG "Sales"', 12, 'unknown operator \'EG\' (did you mean "eq"?); known: eq, ne, co, sw, ew, gt, ge, lt, le, pr'],
    ['department', 11, "expected an operator after 'department' (eq, ne, co, sw, ew, gt, ge, lt, le, pr), found the end of the condition"],
    ['active and x pr', 8, "expected an operator after 'active' (eq, ne, co, sw, ew, gt, ge, lt, le, pr), found 'and'"],
    ['department eq', 14, "expected a value after 'eq', found the end of the condition"],
    ['(department eq )', 16, "expected a value after 'eq', found ')'"],
    ['department eq Legal', 15, `expected a value after 'eq', found 'Legal': write "Legal" for text, or old.Legal or new.Legal for an attribute`],
    ['department eq or', 15, "expected a value after 'eq', found 'or'"],
    ['x eq "Legal', 6, 'unterminated string: no closing \'"\''],
    [String.raw`x eq "a\"`, 6, 'unterminated string: no closing \'"\''],
    [String.raw`x eq "a\q"`, 8, String.raw`unknown escape '\q' in a string; known: \" \\ \/ \b \f \n \r \t \uXXXX`],
    [String.raw`x eq "\u12g4"`, 7, String.raw`'\u' must be followed by four hex digits`],
    ['x eq 12abc', 6, "'12abc' is not a number"],
    ['x eq 1.5.2', 6, "'1.5.2' is not a number"],
    ['x eq 1e999', 6, "'1e999' is too large a number"],
    ['x eq #', 6, "unexpected character '#'"],
    ['x eq "a" & y pr', 10, "unexpected character '&'"],
    ['(a pr and (b pr or c pr)', 1, "unclosed '('"],
    ['(a pr b pr)', 7, "expected 'and', 'or' or ')', found 'b'"],
    ['a pr)', 5, "unexpected ')' with no '(' to close"],
    ['a pr b pr', 6, "expected 'and', 'or' or the end of the condition, found 'b'"],
    ['a pr and', 9, "expected an attribute, '(' or 'not' after 'and', found the end of the condition"],
    ['not', 4, "expected an attribute, '(' or 'not' after 'not', found the end of the condition"],
    ['()', 2, "expected an attribute, '(' or 'not' after '(', found ')'"],
    ['"FTE" eq type', 1, `expected an attribute, '(' or 'not', found "FTE"`],
    ['or eq 1', 1, "expected an attribute, '(' or 'not', found 'or'"],
    ['a..b pr', 1, "'a..b' is not an attribute path: a '.' must stand between two names"],
    ['a ne old.', 6, "'old.' is not an attribute path: a '.' must stand between two names"],
    ['manager_id pr "x"', 15, "'pr' takes no value"],
    ['end_date gt null', 13, "'gt' cannot compare with null: only eq and ne can (pr tests whether there is a value)"],
    ['flag co TRUE', 9, "'co' cannot compare with true: only eq and ne can"],
    [`${'('.repeat(65)}a pr${')'.repeat(65)}`, 65, 'the condition nests more than 64 levels deep'],
    [`${'not '.repeat(65)}a pr`, 257, 'the condition nests more than 64 levels deep'],
  ])('refuses %j at column %i: %s', (text, column, message) => {
    expect(syntaxError(text)).toEqual([column, message]);
  });

  it('accepts 64 levels of parentheses and not', () => {
    expect(parseCondition(`${'('.repeat(63)}not a pr${')'.repeat(63)}`)).toEqual({ op: 'not', operand: { op: 'pr', path: 'a' } });
  });
});

describe('printing conditions', () => {
  it('prints canonical text: lower-case keywords, SCIM not (…), only the parentheses that matter', () => {
    expect(printCondition(parseCondition('NOT Department EQ "Legal" And (a PR or (b pr))'))).toBe('not (Department eq "Legal") and (a pr or b pr)');
    expect(printCondition(parseCondition('(a pr and b pr) or c pr'))).toBe('a pr and b pr or c pr');
    expect(printCondition(parseCondition('a pr or (b pr or c pr)'))).toBe('a pr or (b pr or c pr)');
    expect(printCondition(parseCondition('old.x ne new.x and y gt -0 and z eq null'))).toBe('old.x ne new.x and y gt -0 and z eq null');
  });

  it('escapes strings so that they read back', () => {
    const text = printCondition({ op: 'eq', path: 'x', value: 'a "quoted" \\ line\nbreak' });
    expect(text).toBe(String.raw`x eq "a \"quoted\" \\ line\nbreak"`);
    expect(parseCondition(text)).toEqual({ op: 'eq', path: 'x', value: 'a "quoted" \\ line\nbreak' });
  });
});

describe('evaluating conditions', () => {
  it('compares text case-insensitively with every operator', () => {
    const record = { title: 'Senior Engineer' };
    expect(holds('title eq "senior ENGINEER"', record)).toBe(true);
    expect(holds('title ne "SENIOR engineer"', record)).toBe(false);
    expect(holds('title co "IOR ENG"', record)).toBe(true);
    expect(holds('title sw "senior"', record)).toBe(true);
    expect(holds('title sw "engineer"', record)).toBe(false);
    expect(holds('title ew "ENGINEER"', record)).toBe(true);
    expect(holds('title ew "senior"', record)).toBe(false);
    expect(holds('title gt "SENIOR"', record)).toBe(true);
    expect(holds('title ge "senior engineer"', record)).toBe(true);
    expect(holds('title lt "t"', record)).toBe(true);
    expect(holds('title le "SENIOR ENGINEER"', record)).toBe(true);
    expect(holds('title lt "senior engineer"', record)).toBe(false);
  });

  it('combines with and, or and not as parsed', () => {
    const record = { a: 'x', b: 'y', c: 'z' };
    expect(holds('a eq "x" or b eq "no" and c eq "no"', record)).toBe(true);
    expect(holds('(a eq "x" or b eq "no") and c eq "no"', record)).toBe(false);
    expect(holds('not a eq "no" and b eq "y"', record)).toBe(true);
    expect(holds('not (a eq "x" and b eq "no")', record)).toBe(true);
    expect(holds('employment_type eq "FTE" and not (department eq "Legal")', { employment_type: 'fte', department: 'Sales' })).toBe(true);
    expect(holds('employment_type eq "FTE" and not (department eq "Legal")', { employment_type: 'FTE', department: 'legal' })).toBe(false);
  });

  it('treats a missing attribute as no value: only ne and eq null hold', () => {
    for (const op of ['eq', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) expect(holds(`missing ${op} "x"`, {})).toBe(false);
    expect(holds('missing ne "x"', {})).toBe(true);
    expect(holds('missing eq null', {})).toBe(true);
    expect(holds('missing ne null', {})).toBe(false);
    expect(holds('present eq null', { present: 'x' })).toBe(false);
    expect(holds('present ne null', { present: 'x' })).toBe(true);
    expect(holds('nothing eq null', { nothing: null })).toBe(true);
    expect(holds('nothing ne "x"', { nothing: null })).toBe(true);
    expect(holds('missing pr', {})).toBe(false);
  });

  it('sees a value as present unless it is missing, null or empty text', () => {
    expect(holds('x pr', { x: null })).toBe(false);
    expect(holds('x pr', { x: '' })).toBe(false);
    expect(holds('x pr', { x: ' ' })).toBe(true);
    expect(holds('x pr', { x: 0 })).toBe(true);
    expect(holds('x pr', { x: false })).toBe(true);
  });

  it('compares numbers numerically, numeric text included', () => {
    expect(holds('level gt 9', { level: 10 })).toBe(true);
    expect(holds('level gt 9', { level: '10' })).toBe(true);
    expect(holds('level le 9.5', { level: '9.50' })).toBe(true);
    expect(holds('level eq 10', { level: '1e1' })).toBe(true);
    expect(holds('level eq "10"', { level: 10 })).toBe(true);
    expect(holds('level lt "9"', { level: 10 })).toBe(false);
    expect(holds('level gt 9', { level: 'ten' })).toBe(false);
    expect(holds('level lt 9', { level: 'ten' })).toBe(false);
    expect(holds('level eq 10', { level: ' 10' })).toBe(false);
    expect(holds('level co 12', { level: 'E1234' })).toBe(true);
  });

  it('compares two texts as text even when they look like numbers', () => {
    expect(holds('new.level gt old.level', { 'new.level': '10', 'old.level': '9' })).toBe(false);
    expect(holds('new.level gt old.level', { 'new.level': 10, 'old.level': '9' })).toBe(true);
    expect(holds('code eq "007"', { code: '7' })).toBe(false);
  });

  it('matches eq true against true and "true" in any case, and nothing else', () => {
    expect(holds('active eq true', { active: true })).toBe(true);
    expect(holds('active eq true', { active: 'TRUE' })).toBe(true);
    expect(holds('active eq true', { active: false })).toBe(false);
    expect(holds('active eq true', { active: 'yes' })).toBe(false);
    expect(holds('active eq true', { active: 1 })).toBe(false);
    expect(holds('active ne false', { active: 'True' })).toBe(true);
    expect(holds('active eq "true"', { active: true })).toBe(true);
  });

  it('compares dates and date-times as instants, a date being its midnight UTC', () => {
    expect(holds('end_date lt "2026-11-24"', { end_date: '2026-11-23' })).toBe(true);
    expect(holds('end_date lt "2026-11-24"', { end_date: '2026-11-24' })).toBe(false);
    expect(holds('end_date eq "2026-11-24"', { end_date: '2026-11-24T00:00:00Z' })).toBe(true);
    expect(holds('end_date gt "2026-11-24"', { end_date: '2026-11-24T00:00:01Z' })).toBe(true);
    expect(holds('end_date eq "2026-11-24T17:00:00Z"', { end_date: '2026-11-24T18:00:00+01:00' })).toBe(true);
    expect(holds('end_date lt "2026-11-24T17:00:00Z"', { end_date: '2026-11-24T12:30:00-0500' })).toBe(false);
    expect(holds('end_date eq "2026-11-24T17:00"', { end_date: '2026-11-24 17:00:00.000Z' })).toBe(true);
    expect(holds('end_date gt "2026-11-24T17:00:00.123Z"', { end_date: '2026-11-24T17:00:00.1239Z' })).toBe(false);
    expect(holds('end_date eq "2026-11-24t17:00:00z"', { end_date: '2026-11-24T17:00:00Z' })).toBe(true);
    // Text order would put "2026-11-24T10:00:00+05:00" after "2026-11-24T06:00:00Z"; the instants are the other way round.
    expect(holds('end_date lt "2026-11-24T06:00:00Z"', { end_date: '2026-11-24T10:00:00+05:00' })).toBe(true);
  });

  it('reads a year below 100 as that year, not the 1900s', () => {
    expect(holds('d lt "1900-01-01"', { d: '0001-01-01' })).toBe(true);
    expect(holds('d eq "1999-01-01"', { d: '0099-01-01' })).toBe(false);
  });

  it('compares as text when either side is not a real date', () => {
    expect(holds('d eq "2026-02-29"', { d: '2026-03-01' })).toBe(false);
    expect(holds('d lt "2026-02-29"', { d: '2026-02-28' })).toBe(true);
    expect(holds('d gt "2026-11-24"', { d: 'soon' })).toBe(true);
    expect(holds('d eq "2024-02-29"', { d: '2024-02-29T00:00:00+25:00' })).toBe(false);
  });

  it('reads old. and new. through the lookup, on either side of the operator', () => {
    const previous: Record<string, AttributeValue> = { department: 'Sales' };
    const next: Record<string, AttributeValue> = { department: 'Legal' };
    const lookup: Lookup = (path) => (path.startsWith('old.') ? previous[path.slice(4)] : next[path.replace(/^new\./, '')]);
    const moved = parseCondition('old.department ne new.department');
    expect(evaluateCondition(moved, lookup)).toBe(true);
    expect(evaluateCondition(parseCondition('department eq "LEGAL" and old.department eq "sales"'), lookup)).toBe(true);
    expect(evaluateCondition(moved, (path) => (path.startsWith('old.') ? undefined : 'Legal'))).toBe(true);
    expect(evaluateCondition(moved, () => 'legal')).toBe(false);
    expect(evaluateCondition(parseCondition('old.department eq new.department'), () => undefined)).toBe(true);
  });

  it('gives the same answers compiled once as evaluated each time', () => {
    const condition = parseCondition('level ge 3 and title co "eng"');
    const predicate = compileCondition(condition);
    const records: Record<string, AttributeValue>[] = [{ level: 3, title: 'Engineer' }, { level: '2', title: 'Engineer' }, { title: 'Engineer' }];
    for (const record of records) {
      expect(predicate(recordLookup(record))).toBe(evaluateCondition(condition, recordLookup(record)));
    }
    expect(predicate(recordLookup({ level: 3, title: 'Engineer' }))).toBe(true);
  });
});
