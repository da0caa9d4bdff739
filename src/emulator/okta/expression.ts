import { invalidSearchCriteria } from './errors.ts';

/**
 * The `filter` and `search` expressions of Okta list operations: comparisons such as
 * `profile.login eq "a@example.com"` or `profile.department pr`, joined by `and` / `or`, with
 * parentheses. Only quoted string values are understood; anything else is refused with Okta's
 * E0000031.
 */

export type Operator = 'eq' | 'sw' | 'co' | 'pr' | 'gt' | 'ge' | 'lt' | 'le';

const OPERATORS: ReadonlySet<string> = new Set<Operator>(['eq', 'sw', 'co', 'pr', 'gt', 'ge', 'lt', 'le']);

export interface ExpressionRules {
  /** Whether the operator may be applied to the attribute (attribute names are case-sensitive). */
  allows(attribute: string, operator: Operator): boolean;
  /** `search` compares values case-insensitively, `filter` does not. */
  caseInsensitive: boolean;
  /** Whether the attribute holds a timestamp, compared as an instant rather than as text. */
  isDate?(attribute: string): boolean;
}

/** Reads an attribute such as "status" or "profile.login" from the object being tested. */
export type AttributeReader = (attribute: string) => unknown;

export type Predicate = (read: AttributeReader) => boolean;

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'open' }
  | { kind: 'close' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(') {
      tokens.push({ kind: 'open' });
      i++;
    } else if (ch === ')') {
      tokens.push({ kind: 'close' });
      i++;
    } else if (ch === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw invalidSearchCriteria();
      tokens.push({ kind: 'string', text: value });
      i++;
    } else {
      const match = /^[A-Za-z0-9_.$:-]+/.exec(text.slice(i));
      if (!match) throw invalidSearchCriteria();
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

/** SCIM's "present": the attribute has a value that is not empty. */
function isPresent(actual: unknown): boolean {
  if (Array.isArray(actual)) return actual.some(isPresent);
  return actual !== null && actual !== undefined && actual !== '';
}

/** Whether `eq` or a range operator holds, given the sign of actual minus expected. */
function order(operator: Operator, difference: number): boolean {
  switch (operator) {
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    default:
      return difference === 0;
  }
}

function compareText(actual: unknown, operator: Operator, expected: string, caseInsensitive: boolean): boolean {
  if (Array.isArray(actual)) return actual.some((element) => compareText(element, operator, expected, caseInsensitive));
  if (actual === null || actual === undefined || typeof actual === 'object') return false;
  const a = caseInsensitive ? String(actual).toLowerCase() : String(actual);
  const e = caseInsensitive ? expected.toLowerCase() : expected;
  if (operator === 'sw') return a.startsWith(e);
  if (operator === 'co') return a.includes(e);
  return order(operator, a < e ? -1 : a > e ? 1 : 0);
}

function compareInstant(actual: unknown, operator: Operator, expected: number): boolean {
  const instant = typeof actual === 'string' ? Date.parse(actual) : NaN;
  return !Number.isNaN(instant) && order(operator, instant - expected);
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly rules: ExpressionRules,
  ) {}

  parse(): Predicate {
    const predicate = this.disjunction();
    if (this.position !== this.tokens.length) throw invalidSearchCriteria();
    return predicate;
  }

  private keyword(word: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind === 'word' && token.text.toLowerCase() === word) {
      this.position++;
      return true;
    }
    return false;
  }

  private disjunction(): Predicate {
    const parts = [this.conjunction()];
    while (this.keyword('or')) parts.push(this.conjunction());
    return parts.length === 1 ? parts[0]! : (read) => parts.some((part) => part(read));
  }

  private conjunction(): Predicate {
    const parts = [this.term()];
    while (this.keyword('and')) parts.push(this.term());
    return parts.length === 1 ? parts[0]! : (read) => parts.every((part) => part(read));
  }

  private term(): Predicate {
    const token = this.tokens[this.position++];
    if (token?.kind === 'open') {
      const inner = this.disjunction();
      if (this.tokens[this.position++]?.kind !== 'close') throw invalidSearchCriteria();
      return inner;
    }
    const operatorToken = this.tokens[this.position++];
    if (token?.kind !== 'word' || operatorToken?.kind !== 'word') throw invalidSearchCriteria();
    const attribute = token.text;
    const operator = operatorToken.text.toLowerCase() as Operator;
    if (!OPERATORS.has(operator) || !this.rules.allows(attribute, operator)) throw invalidSearchCriteria();
    if (operator === 'pr') return (read) => isPresent(read(attribute));

    const valueToken = this.tokens[this.position++];
    if (valueToken?.kind !== 'string') throw invalidSearchCriteria();
    const expected = valueToken.text;
    if (this.rules.isDate?.(attribute)) {
      const instant = Date.parse(expected);
      if (Number.isNaN(instant) || operator === 'sw' || operator === 'co') throw invalidSearchCriteria();
      return (read) => compareInstant(read(attribute), operator, instant);
    }
    const { caseInsensitive } = this.rules;
    return (read) => compareText(read(attribute), operator, expected, caseInsensitive);
  }
}

export function compileExpression(text: string, rules: ExpressionRules): Predicate {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw invalidSearchCriteria();
  return new Parser(tokens, rules).parse();
}
