import { toAscii } from './ascii.ts';
import { findCountry, type Country } from './country-codes.ts';
import { compileDateLayout, DateLayoutError } from './date-format.ts';
import { suggest } from './problems.ts';

/**
 * The functions of formatter pipelines (`{first_name} | ASCII | LOWER | APPEND,"@example.com"`),
 * with Veza's names. Each binds its arguments once, when the formatter compiles, so that the
 * rendering of many records repeats no parsing.
 */

export interface Parameter {
  readonly name: string;
  readonly type: 'string' | 'number';
  readonly optional?: true;
}

type ArgumentOf<P extends Parameter> = (P['type'] extends 'number' ? number : string) | (P['optional'] extends true ? undefined : never);
type ArgumentsOf<P extends readonly Parameter[]> = { [K in keyof P]: ArgumentOf<P[K]> };

/** An argument a function cannot work with; `index` says which, for the position of the error. */
export class ArgumentError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** A value a function cannot transform, such as a date that is not one. */
export class ValueError extends Error {}

export interface Bindable<Apply> {
  readonly parameters: readonly Parameter[];
  /** Checks the arguments (the formatter has checked their number and types) and returns the function to apply. */
  bind(args: ReadonlyArray<string | number>): Apply;
}

export interface TransformerFunction extends Bindable<(value: string) => string> {
  /** DEFAULT alone turns a missing value into one; every other function passes a missing value on untouched. */
  readonly fillsMissing: boolean;
}

const string = <Name extends string>(name: Name) => ({ name, type: 'string' }) as const;
const number = <Name extends string>(name: Name) => ({ name, type: 'number' }) as const;
const optional = <P extends Parameter>(parameter: P) => ({ ...parameter, optional: true }) as const;

function define<const P extends readonly Parameter[], Apply>(parameters: P, bind: (args: ArgumentsOf<P>) => Apply): Bindable<Apply> {
  return { parameters, bind: bind as (args: ReadonlyArray<string | number>) => Apply };
}

const transform = <const P extends readonly Parameter[]>(parameters: P, bind: (args: ArgumentsOf<P>) => (value: string) => string): TransformerFunction => ({
  ...define(parameters, bind),
  fillsMissing: false,
});

// Characters are counted in code points rather than UTF-16 units, so that no cut leaves half of an
// emoji or of a rare CJK character: a lone surrogate is not text that UTF-8 can carry to Okta.
const surrogate = /[\uD800-\uDFFF]/;
const codePointLength = (value: string) => (surrogate.test(value) ? Array.from(value).length : value.length);
const sliceCodePoints = (value: string, start: number, end: number) =>
  surrogate.test(value) ? Array.from(value).slice(start, end).join('') : value.slice(start, end);

const countryForms = ['alpha2', 'alpha3', 'numeric'] as const satisfies ReadonlyArray<keyof Country>;

export const transformerFunctions: Readonly<Record<string, TransformerFunction>> = {
  LOWER: transform([], () => (value) => value.toLowerCase()),
  UPPER: transform([], () => (value) => value.toUpperCase()),
  TRIM: transform([], () => (value) => value.trim()),
  ASCII: transform([], () => toAscii),
  APPEND: transform([string('suffix')], ([suffix]) => (value) => value + suffix),
  PREPEND: transform([string('prefix')], ([prefix]) => (value) => prefix + value),
  FIRST_N: transform([number('count')], ([count]) => (value) => sliceCodePoints(value, 0, count)),
  LAST_N: transform([number('count')], ([count]) => (value) => {
    const length = codePointLength(value);
    return sliceCodePoints(value, Math.max(0, length - count), length);
  }),
  /** Zero-based start; a start or length beyond the end gives what there is, possibly nothing. */
  SUBSTRING: transform([number('start'), number('length')], ([start, length]) => (value) => sliceCodePoints(value, start, start + length)),
  /** Every occurrence, literally: neither argument is a pattern, and "$" in `to` is plain text. */
  REPLACE: transform([string('from'), string('to')], ([from, to]) => {
    if (from === '') throw new ArgumentError('the text to find must not be empty', 0);
    return (value) => value.replaceAll(from, () => to);
  }),
  /** Every kind of Unicode space, not only " ": HR systems paste no-break spaces and tabs into names. */
  REMOVE_WHITESPACE: transform([], () => (value) => value.replace(/\s+/gu, '')),
  /** Each character of `characters` wherever it stands: `REMOVE_CHARS,"'."` turns "O'Brien Jr." into "OBrien Jr". */
  REMOVE_CHARS: transform([string('characters')], ([characters]) => {
    if (characters === '') throw new ArgumentError('name at least one character to remove', 0);
    const removed = new Set(Array.from(characters));
    return (value) => Array.from(value, (char) => (removed.has(char) ? '' : char)).join('');
  }),
  REMOVE_DOMAIN: transform([], () => (value) => {
    const at = value.indexOf('@');
    return at === -1 ? value : value.slice(0, at);
  }),
  DATE_FORMAT: transform([string('layout')], ([layout]) => {
    let format: ReturnType<typeof compileDateLayout>;
    try {
      format = compileDateLayout(layout);
    } catch (error) {
      if (error instanceof DateLayoutError) throw new ArgumentError(error.message, 0);
      throw error;
    }
    return (value) => {
      const formatted = format(value);
      if (formatted === undefined) throw new ValueError(`"${value}" is not an ISO 8601 date (2024-03-01) or date-time (2024-03-01T09:30:00)`);
      return formatted;
    };
  }),
  /** Veza's default form is alpha2. Input is a code of any form or an English name, in any case. */
  COUNTRY_CODE_ISO3166: transform([optional(string('form'))], ([form = 'alpha2']) => {
    const field = countryForms.find((known) => known === form);
    if (!field) throw new ArgumentError(`the form is one of ${countryForms.map((known) => `"${known}"`).join(', ')}, not "${form}"${suggest(form, countryForms)}`, 0);
    return (value) => {
      const country = findCountry(value);
      if (!country) throw new ValueError(`"${value}" is neither an English country name nor an ISO 3166-1 code`);
      return country[field];
    };
  }),
  /** Also replaces an empty result, so that `{email | REMOVE_DOMAIN | DEFAULT,"x"}` never gives "". */
  DEFAULT: { ...define([string('value')], ([fallback]) => (value: string) => (value === '' ? fallback : value)), fillsMissing: true },
};

/**
 * `{NEXT_NUMBER,start,width}` stands inside braces for a number, for the fallbacks of a value that
 * must be unique (`{first_name}.{last_name}{NEXT_NUMBER,2}` gives ann.lee2, ann.lee3, …). The planner
 * renders attempt 0, 1, 2, …; the number is start + attempt, zero-padded to at least `width` digits.
 */
export const NEXT_NUMBER = define([number('start'), optional(number('width'))], ([start, width = 1]) => {
  // A cap keeps a typo such as 1000 from padding every login with a thousand zeros.
  if (width < 1 || width > 20) throw new ArgumentError(`the width is 1 to 20 digits, not ${width}`, 1);
  return (attempt: number) => String(start + attempt).padStart(width, '0');
});
