import { COMPARISON_OPERATORS, type ComparisonOperator, type Condition, type Operand } from './condition-ast.ts';
import { ConditionSyntaxError, tokenize, type Token } from './condition-lexer.ts';
import { suggest } from './problems.ts';

/**
 * SCIM filter grammar (RFC 7644 §3.4.2.2), with SCIM's precedence: `not` binds tighter than `and`,
 * which binds tighter than `or`.
 *
 *   disjunction := conjunction ("or" conjunction)*
 *   conjunction := unary ("and" unary)*
 *   unary       := "not" unary | "(" disjunction ")" | path "pr" | path operator operand
 */

const OPERATORS: readonly string[] = [...COMPARISON_OPERATORS, 'pr'];
const KEYWORDS = new Set(['and', 'or', 'not']);
const isComparisonOperator = (word: string): word is ComparisonOperator => (COMPARISON_OPERATORS as readonly string[]).includes(word);
const LITERALS = new Map<string, Operand>([
  ['true', true],
  ['false', false],
  ['null', null],
]);
/** Deep enough for any condition a person writes; shallow enough that parsing never overflows the stack. */
const MAX_NESTING = 64;

const describe = (token: Token) => (token.kind === 'end' ? 'the end of the condition' : token.kind === 'string' ? token.text : `'${token.text}'`);
const after = (token: Token | undefined) => (token ? ` after '${token.text}'` : '');

class Parser {
  private index = 0;
  private nesting = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    if (this.peek().kind === 'end') throw new ConditionSyntaxError('the condition is empty', this.peek().column);
    const condition = this.disjunction(undefined);
    const next = this.peek();
    if (next.kind === 'close') throw new ConditionSyntaxError("unexpected ')' with no '(' to close", next.column);
    if (next.kind !== 'end') throw new ConditionSyntaxError(`expected 'and', 'or' or the end of the condition, found ${describe(next)}`, next.column);
    return condition;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    return this.tokens[this.index++]!;
  }

  private keyword(word: 'and' | 'or' | 'not'): Token | undefined {
    const token = this.peek();
    if (token.kind !== 'word' || token.text.toLowerCase() !== word) return undefined;
    this.index++;
    return token;
  }

  /** `previous` is the token before, to say what the expression was expected after. */
  private disjunction(previous: Token | undefined): Condition {
    let left = this.conjunction(previous);
    for (let or = this.keyword('or'); or; or = this.keyword('or')) left = { op: 'or', left, right: this.conjunction(or) };
    return left;
  }

  private conjunction(previous: Token | undefined): Condition {
    let left = this.unary(previous);
    for (let and = this.keyword('and'); and; and = this.keyword('and')) left = { op: 'and', left, right: this.unary(and) };
    return left;
  }

  private unary(previous: Token | undefined): Condition {
    const not = this.keyword('not');
    if (not) return { op: 'not', operand: this.nested(not, () => this.unary(not)) };
    const token = this.next();
    if (token.kind === 'open') return this.nested(token, () => this.group(token));
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toLowerCase())) {
      throw new ConditionSyntaxError(`expected an attribute, '(' or 'not'${after(previous)}, found ${describe(token)}`, token.column);
    }
    return this.comparison(token);
  }

  private nested(opener: Token, parse: () => Condition): Condition {
    if (++this.nesting > MAX_NESTING) throw new ConditionSyntaxError(`the condition nests more than ${MAX_NESTING} levels deep`, opener.column);
    const condition = parse();
    this.nesting--;
    return condition;
  }

  private group(open: Token): Condition {
    const inner = this.disjunction(open);
    const close = this.next();
    if (close.kind === 'close') return inner;
    if (close.kind === 'end') throw new ConditionSyntaxError("unclosed '('", open.column);
    throw new ConditionSyntaxError(`expected 'and', 'or' or ')', found ${describe(close)}`, close.column);
  }

  private path(token: Token): string {
    if (token.text.endsWith('.') || token.text.includes('..')) {
      throw new ConditionSyntaxError(`'${token.text}' is not an attribute path: a '.' must stand between two names`, token.column);
    }
    return token.text;
  }

  private comparison(subject: Token): Condition {
    const path = this.path(subject);
    const operator = this.next();
    if (operator.kind !== 'word' || KEYWORDS.has(operator.text.toLowerCase())) {
      throw new ConditionSyntaxError(`expected an operator after '${path}' (${OPERATORS.join(', ')}), found ${describe(operator)}`, operator.column);
    }
    const op = operator.text.toLowerCase();
    if (op === 'pr') {
      const extra = this.peek();
      if (extra.kind === 'string' || extra.kind === 'number' || (extra.kind === 'word' && LITERALS.has(extra.text.toLowerCase()))) {
        throw new ConditionSyntaxError("'pr' takes no value", extra.column);
      }
      return { op: 'pr', path };
    }
    if (!isComparisonOperator(op)) {
      throw new ConditionSyntaxError(`unknown operator '${operator.text}'${suggest(operator.text, OPERATORS)}; known: ${OPERATORS.join(', ')}`, operator.column);
    }
    return { op, path, value: this.operand(operator, op) };
  }

  private operand(operator: Token, op: ComparisonOperator): Operand {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    const expected = `expected a value after '${operator.text}'`;
    if (token.kind !== 'word') throw new ConditionSyntaxError(`${expected}, found ${describe(token)}`, token.column);
    const word = token.text.toLowerCase();
    const literal = LITERALS.get(word);
    if (literal !== undefined) {
      if (op !== 'eq' && op !== 'ne') {
        const hint = literal === null ? ' (pr tests whether there is a value)' : '';
        throw new ConditionSyntaxError(`'${operator.text}' cannot compare with ${word}: only eq and ne can${hint}`, token.column);
      }
      return literal;
    }
    // A bare word on the right is usually text missing its quotes; reading it as an attribute would
    // silently compare with nothing. So an attribute there must say which record it reads.
    if (token.text.startsWith('old.') || token.text.startsWith('new.')) return { path: this.path(token) };
    if (KEYWORDS.has(word)) throw new ConditionSyntaxError(`${expected}, found ${describe(token)}`, token.column);
    throw new ConditionSyntaxError(
      `${expected}, found '${token.text}': write "${token.text}" for text, or old.${token.text} or new.${token.text} for an attribute`,
      token.column,
    );
  }
}

export function parseCondition(text: string): Condition {
  return new Parser(tokenize(text)).parse();
}
