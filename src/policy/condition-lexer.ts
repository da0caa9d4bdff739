/** Splits a policy condition into tokens, each with the column it starts at. */

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    /** 1-based column of the offending token, so the loader can point into the policy file. */
    readonly column: number,
  ) {
    super(message);
    this.name = 'ConditionSyntaxError';
  }
}

/** `word` covers attribute paths, operators and keywords alike: which one it is depends on where it stands. */
export type Token =
  | { kind: 'word' | 'open' | 'close' | 'end'; text: string; column: number }
  | { kind: 'string'; text: string; value: string; column: number }
  | { kind: 'number'; text: string; value: number; column: number };

const isDigit = (code: number) => code >= 48 && code <= 57;
const isWordStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isWordPart = (code: number) => isWordStart(code) || isDigit(code) || code === 45 || code === 46;
const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * Where a number written as JSON writes it (`-12.5e3`) and starting at `start` ends, or -1 when
 * none does. Evaluation uses it too, so "a numeric string" means exactly what a number literal means.
 */
export function numberEnd(text: string, start: number): number {
  let i = start;
  if (text.charCodeAt(i) === 45) i++;
  const digits = i;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === digits) return -1;
  if (text.charCodeAt(i) === 46) {
    const fraction = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === fraction) return -1;
  }
  if ((text.charCodeAt(i) | 32) === 101) {
    let j = i + 1;
    if (text.charCodeAt(j) === 43 || text.charCodeAt(j) === 45) j++;
    const exponent = j;
    while (isDigit(text.charCodeAt(j))) j++;
    if (j === exponent) return -1;
    i = j;
  }
  return i;
}

const ESCAPES = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** A string literal takes JSON's escapes, as SCIM requires, so that printing with JSON.stringify reads back. */
function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let chunk = start + 1;
  let i = chunk;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 34) return { value: value + text.slice(chunk, i), end: i + 1 };
    if (code !== 92 || i + 1 === text.length) {
      i++;
      continue;
    }
    value += text.slice(chunk, i);
    const escape = text[i + 1]!;
    if (escape === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!HEX4.test(hex)) throw new ConditionSyntaxError("'\\u' must be followed by four hex digits", i + 1);
      value += String.fromCharCode(Number.parseInt(hex, 16));
      i += 6;
    } else {
      const escaped = ESCAPES.get(escape);
      if (escaped === undefined) {
        throw new ConditionSyntaxError(`unknown escape '\\${escape}' in a string; known: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`, i + 1);
      }
      value += escaped;
      i += 2;
    }
    chunk = i;
  }
  throw new ConditionSyntaxError('unterminated string: no closing \'"\'', start + 1);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const column = i + 1;
    if (isSpace(code)) {
      i++;
    } else if (code === 40 || code === 41) {
      tokens.push({ kind: code === 40 ? 'open' : 'close', text: text[i]!, column });
      i++;
    } else if (code === 34) {
      const { value, end } = readString(text, i);
      tokens.push({ kind: 'string', text: text.slice(i, end), value, column });
      i = end;
    } else if (isDigit(code) || (code === 45 && isDigit(text.charCodeAt(i + 1)))) {
      const end = numberEnd(text, i);
      // `12abc` or `1.5.2` is one mistaken number, not a number followed by a word.
      let stop = end < 0 ? i + 1 : end;
      while (isWordPart(text.charCodeAt(stop))) stop++;
      const written = text.slice(i, stop);
      if (stop !== end) throw new ConditionSyntaxError(`'${written}' is not a number`, column);
      const value = Number(written);
      if (!Number.isFinite(value)) throw new ConditionSyntaxError(`'${written}' is too large a number`, column);
      tokens.push({ kind: 'number', text: written, value, column });
      i = end;
    } else if (isWordStart(code)) {
      let end = i + 1;
      while (isWordPart(text.charCodeAt(end))) end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), column });
      i = end;
    } else {
      throw new ConditionSyntaxError(`unexpected character '${String.fromCodePoint(text.codePointAt(i)!)}'`, column);
    }
  }
  tokens.push({ kind: 'end', text: '', column: text.length + 1 });
  return tokens;
}
