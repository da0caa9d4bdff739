import { invalidSearchCriteria } from './errors.ts';

/**
 * The `filter` and `search` expressions of Okta list operations: comparisons such as
 * `profile.login eq "a@example.com"` joined by `and` / `or`, with parentheses. Only quoted string
 * values are understood; anything else is refused with Okta's E0000031.
 */

export type Operator = 'eq' | 'sw' | 'co' | 'gt' | 'ge' | 'lt' | 'le';

const OPERATORS: ReadonlySet<string> = new Set<Operator>(['eq', 'sw', 'co', 'gt', 'ge', 'lt', 'le']);

export interface ExpressionRules {
  /** Whether the operator may be applied to the attribute (attribute names are case-sensitive). */
  allows(attribute: string, operator: Operator): boolean;
  /** `search` compares values case-insensitively, `filter` does not. */
  caseInsensitive: boolean;
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

function compare(actual: unknown, operator: Operator, expected: string, caseInsensitive: boolean): boolean {
  if (Array.isArray(actual)) return actual.some((element) => compare(element, operator, expected, caseInsensitive));
  if (actual === null || actual === undefined || typeof actual === 'object') return false;
  const a = caseInsensitive ? String(actual).toLowerCase() : String(actual);
  const e = caseInsensitive ? expected.toLowerCase() : expected;
  switch (operator) {
    case 'eq':
      return a === e;
    case 'sw':
      return a.startsWith(e);
    case 'co':
      return a.includes(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
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
    const valueToken = this.tokens[this.position++];
    if (token?.kind !== 'word' || operatorToken?.kind !== 'word' || valueToken?.kind !== 'string') {
      throw invalidSearchCriteria();
    }
    const attribute = token.text;
    const operator = operatorToken.text.toLowerCase();
    if (!OPERATORS.has(operator) || !this.rules.allows(attribute, operator as Operator)) throw invalidSearchCriteria();
    const expected = valueToken.text;
    const { caseInsensitive } = this.rules;
    return (read) => compare(read(attribute), operator as Operator, expected, caseInsensitive);
  }
}

export function compileExpression(text: string, rules: ExpressionRules): Predicate {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw invalidSearchCriteria();
  return new Parser(tokens, rules).parse();
}
