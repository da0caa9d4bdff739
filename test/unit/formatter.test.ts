import { describe, expect, it } from 'vitest';
import { countries } from '../../src/policy/country-codes.ts';
import { compileFormatter, FormatterError, knownFunctions, MissingAttributeError, RenderError } from '../../src/policy/formatter.ts';
import type { IdentityRecord } from '../../src/policy/schema.ts';

const render = (source: string, record: IdentityRecord = {}, nextNumber?: number) =>
  compileFormatter(source).render((path) => record[path], nextNumber === undefined ? undefined : { nextNumber });

/** What compiling `source` reports: the offset and message of its FormatterError. */
function compileError(source: string): [number, string] | undefined {
  try {
    compileFormatter(source);
  } catch (error) {
    if (error instanceof FormatterError) return [error.offset, error.message];
    throw error;
  }
  return undefined;
}

function renderError(source: string, record: IdentityRecord): RenderError | undefined {
  try {
    render(source, record);
  } catch (error) {
    if (error instanceof RenderError) return error;
    throw error;
  }
  return undefined;
}

/** The attribute a MissingAttributeError blames, or what else rendering gave. */
function blamed(source: string, record: IdentityRecord): unknown {
  const error = renderError(source, record);
  return error instanceof MissingAttributeError ? error.attribute : error;
}

describe('formatter syntax', () => {
  it('applies inner and outer pipelines in order', () => {
    const record = { first: '  Ångström ', last: 'Ünal', dept: 'Sales' };
    expect(render('{first | TRIM}.{last} | ASCII | LOWER | APPEND,"@example.com"', record)).toBe('angstrom.unal@example.com');
    expect(render('dept-{dept | LOWER}', record)).toBe('dept-sales');
    expect(render('{dept | UPPER | PREPEND,"team:"}', record)).toBe('team:SALES');
  });

  it('keeps the text around braces, but not the spaces before a top-level pipe', () => {
    expect(render(' {a} and {b}  | UPPER', { a: 'x', b: 'y' })).toBe(' X AND Y');
    expect(render('{a}  ', { a: 'x' })).toBe('x  ');
  });

  it('keeps pipes, commas, braces and quotes inside quoted arguments', () => {
    expect(render('{a} | APPEND," | x,y"', { a: 'v' })).toBe('v | x,y');
    expect(render('{a | APPEND,"}{"}', { a: 'v' })).toBe('v}{');
    expect(render('{a} | APPEND,"\\"\\\\"', { a: 'v' })).toBe('v"\\');
  });

  it('accepts spaces after commas, as Veza writes them', () => {
    expect(render('{a | SUBSTRING, 1, 2 | APPEND, "!"}', { a: 'abcd' })).toBe('bc!');
  });

  it('reads old. and new. paths through the lookup, as written', () => {
    const formatter = compileFormatter('{old.department | LOWER}->{new.department | LOWER}/{old.department}');
    expect(formatter.attributes).toEqual(['old.department', 'new.department']);
    expect(formatter.render((path) => ({ 'old.department': 'Sales', 'new.department': 'R&D' })[path])).toBe('sales->r&d/Sales');
  });

  it('renders numbers and booleans as their text', () => {
    expect(render('{n}/{b}/{f}', { n: 42, b: true, f: 0.5 })).toBe('42/true/0.5');
  });

  it('names every function it knows', () => {
    expect(knownFunctions).toEqual([
      'LOWER', 'UPPER', 'TRIM', 'ASCII', 'APPEND', 'PREPEND', 'FIRST_N', 'LAST_N', 'SUBSTRING', 'REPLACE',
      'REMOVE_WHITESPACE', 'REMOVE_CHARS', 'REMOVE_DOMAIN', 'DATE_FORMAT', 'COUNTRY_CODE_ISO3166', 'DEFAULT', 'NEXT_NUMBER',
    ]);
  });

  it.each([
    ['{a} | APEND,"x"', 6, `unknown function "APEND" (did you mean "APPEND"?); known functions: ${knownFunctions.join(', ')}`],
    ['{a | lower}', 5, `unknown function "lower" (did you mean "LOWER"?); known functions: ${knownFunctions.join(', ')}`],
    ['{a} | LOWER,"x"', 6, 'LOWER takes no arguments, got "x"'],
    ['{a} | FIRST_N', 6, 'FIRST_N takes one number (count), got none'],
    ['{a} | FIRST_N,"3"', 14, 'FIRST_N takes one number (count), got "3"'],
    ['{a} | SUBSTRING,1', 6, 'SUBSTRING takes two numbers (start, length), got 1'],
    ['{a} | REPLACE,"x"', 6, 'REPLACE takes two strings (from, to), got "x"'],
    ['{a} | COUNTRY_CODE_ISO3166,"alpha2","x"', 6, 'COUNTRY_CODE_ISO3166 takes no arguments or one string (form), got "alpha2", "x"'],
    ['{NEXT_NUMBER}', 1, 'NEXT_NUMBER takes one number (start) and optionally one number (width), got none'],
    ['{a} | REPLACE,"","x"', 14, 'REPLACE: the text to find must not be empty'],
    ['{a} | REMOVE_CHARS,""', 19, 'REMOVE_CHARS: name at least one character to remove'],
    ['{a} | REMOVE_CHARS', 6, 'REMOVE_CHARS takes one string (characters), got none'],
    ['{a} | COUNTRY_CODE_ISO3166, alpha3', 28, 'expected a number or a "quoted string", found alpha3: write "alpha3"'],
    ['{a} | COUNTRY_CODE_ISO3166,"alpha4"', 27, 'COUNTRY_CODE_ISO3166: the form is one of "alpha2", "alpha3", "numeric", not "alpha4" (did you mean "alpha2"?)'],
    ['{a} | FIRST_N,-1', 14, 'expected a number or a "quoted string", found "-1"'],
    ['{a} | FIRST_N,99999999999999999999', 14, '99999999999999999999 is too large a number'],
    ['{NEXT_NUMBER,1,21}', 15, 'NEXT_NUMBER: the width is 1 to 20 digits, not 21'],
    ['{NEXT_NUMBR,2}', 1, 'only NEXT_NUMBER takes arguments inside braces, not "NEXT_NUMBR" (did you mean "NEXT_NUMBER"?)'],
    ['{a} | NEXT_NUMBER,2', 6, 'NEXT_NUMBER is a value, not a function: write it in braces, e.g. {NEXT_NUMBER,2}'],
    ['x-{a', 2, 'a { is not closed'],
    ['x-{a | LOWER', 2, 'a { is not closed'],
    ['x-}', 2, 'a } has no matching {'],
    ['{}', 1, 'expected an attribute name, found "}"'],
    ['{first name}', 7, 'expected | or } after first, found "name}"'],
    ['{a..b}', 1, '"a..b" is not an attribute name'],
    ['{1st}', 1, '"1st" is not an attribute name'],
    ['{a} | APPEND,"abc', 13, 'a " is not closed'],
    ['{a} | APPEND,"a\\nb"', 15, 'in a string only \\" and \\\\ are escapes'],
    ['{a} | LOWER extra', 12, 'expected | or the end after LOWER, found "extra"'],
    ['{a} | "x"', 6, 'expected a function name after |, found "\\"x\\""'],
    ['  | LOWER', 2, 'a pipeline needs a value before the first |'],
    ['{a} | DATE_FORMAT,"2006-01-02"', 18, 'DATE_FORMAT: the date layout "2006-01-02" has no date token; use YYYY, YY, MM, M, DD, D, HH, mm, ss, e.g. "YYYY-MM-DD"'],
    ['{a} | DATE_FORMAT,"[YYYY"', 18, 'DATE_FORMAT: a [ in the date layout "[YYYY" is not closed'],
  ])('refuses %s at offset %i', (source, offset, message) => {
    expect(compileError(source)).toEqual([offset, message]);
  });
});

describe('missing attributes', () => {
  it.each([null, '', undefined])('blames the attribute when its value is %j', (value) => {
    const record: IdentityRecord = value === undefined ? { a: 'x' } : { a: 'x', b: value };
    expect(blamed('{a}.{b | LOWER}', record)).toBe('b');
    expect(renderError('{a}.{b | LOWER}', record)?.message).toBe('the record has no value for "b"');
  });

  it('gives DEFAULT a missing value, inside or outside braces, however many functions stand before it', () => {
    expect(render('{manager_email | DEFAULT,"it@example.com"}')).toBe('it@example.com');
    expect(render('{manager_email} | DEFAULT,"it@example.com"')).toBe('it@example.com');
    expect(render('{manager_email | TRIM | LOWER | DEFAULT,"it@example.com"}')).toBe('it@example.com');
    expect(render('{first}.{last} | LOWER | DEFAULT,"nobody"', { first: 'Ann' })).toBe('nobody');
  });

  it('lets an optional part vanish with DEFAULT,""', () => {
    const formatter = '{first}{middle | PREPEND,"." | DEFAULT,""}.{last}';
    expect(render(formatter, { first: 'ann', last: 'lee' })).toBe('ann.lee');
    expect(render(formatter, { first: 'ann', middle: 'b', last: 'lee' })).toBe('ann.b.lee');
  });

  it('still blames an attribute that a DEFAULT elsewhere does not cover', () => {
    expect(blamed('{a | DEFAULT,"x"}{b}', {})).toBe('b');
  });
});

describe('functions', () => {
  it('LOWER, UPPER and TRIM', () => {
    expect(render('{a | LOWER}/{a | UPPER}/{a | TRIM}', { a: ' Straße ' })).toBe(' straße / STRASSE /Straße');
  });

  it('ASCII transliterates letters NFKD cannot split, and drops what has no ASCII form', () => {
    expect(render('{a | ASCII}', { a: 'Zoë Łukasz Ørsted Straße' })).toBe('Zoe Lukasz Orsted Strasse');
    expect(render('{a | ASCII}', { a: 'Þóra Ægisdóttir, Đorđe Ðukić, ÆRØ, Œuvre' })).toBe('Thora Aegisdottir, Dorde Dukic, AERO, Oeuvre');
    expect(render('{a | ASCII}', { a: 'O’Brien – ﬁne 李小龍 😀\tok' })).toBe("O'Brien - fine  ok");
  });

  it('APPEND and PREPEND', () => {
    expect(render('{a | APPEND,"-x" | PREPEND,"y-"}', { a: 'v' })).toBe('y-v-x');
  });

  it('FIRST_N and LAST_N give what there is when asked for more, and count an emoji as one', () => {
    expect(render('{a | FIRST_N,2}/{a | LAST_N,2}', { a: 'abcd' })).toBe('ab/cd');
    expect(render('{a | FIRST_N,10}/{a | LAST_N,10}', { a: 'abcd' })).toBe('abcd/abcd');
    expect(render('[{a | FIRST_N,0}][{a | LAST_N,0}]', { a: 'abcd' })).toBe('[][]');
    expect(render('{a | FIRST_N,1}/{a | LAST_N,2}', { a: '😀ab😀' })).toBe('😀/b😀');
  });

  it('SUBSTRING starts at 0 and gives what there is past the end', () => {
    expect(render('{a | SUBSTRING,1,2}', { a: 'abcd' })).toBe('bc');
    expect(render('{a | SUBSTRING,2,10}', { a: 'abcd' })).toBe('cd');
    expect(render('[{a | SUBSTRING,9,1}]', { a: 'abcd' })).toBe('[]');
    expect(render('{a | SUBSTRING,1,1}', { a: '😀😃😄' })).toBe('😃');
  });

  it('REPLACE replaces every occurrence of literal text, with "$" in the replacement kept as is', () => {
    expect(render('{a | REPLACE," ","_"}', { a: 'a b c' })).toBe('a_b_c');
    expect(render('{a | REPLACE,".*","$&"}', { a: 'x.*y.*' })).toBe('x$&y$&');
  });

  it('REMOVE_WHITESPACE drops every kind of space, inside a name too', () => {
    expect(render('{a | REMOVE_WHITESPACE}', { a: ' van der\u00a0Berg\t' })).toBe('vanderBerg');
  });

  it('REMOVE_CHARS drops each character it is given, wherever it stands, and keeps the rest', () => {
    expect(render('{a | REMOVE_CHARS,"\'."}', { a: "O'Brien Jr." })).toBe('OBrien Jr');
    expect(render('{a | REMOVE_CHARS,"😀"}', { a: 'a😀b-c' })).toBe('ab-c');
  });

  it('makes real names into logins Okta takes: no spaces, no apostrophes, hyphens kept', () => {
    const login = '{first_name}.{last_name} | ASCII | REMOVE_WHITESPACE | REMOVE_CHARS,"\'" | LOWER | APPEND,"@example.com"';
    expect(render(login, { first_name: 'Pieter', last_name: 'van der Berg' })).toBe('pieter.vanderberg@example.com');
    expect(render(login, { first_name: 'Siobhán', last_name: 'O’Brien' })).toBe('siobhan.obrien@example.com');
    expect(render(login, { first_name: 'Anne-Marie', last_name: 'Dupont' })).toBe('anne-marie.dupont@example.com');
  });

  it('REMOVE_DOMAIN drops the first @ and all after it', () => {
    expect(render('{a | REMOVE_DOMAIN}', { a: 'ann.lee@example.com' })).toBe('ann.lee');
    expect(render('{a | REMOVE_DOMAIN}', { a: 'odd@one@example.com' })).toBe('odd');
    expect(render('{a | REMOVE_DOMAIN}', { a: 'ann.lee' })).toBe('ann.lee');
  });

  it('DATE_FORMAT formats a date or a date-time, as written, whatever its offset', () => {
    expect(render('{d | DATE_FORMAT,"DD.MM.YYYY"}', { d: '2024-03-01' })).toBe('01.03.2024');
    expect(render('{d | DATE_FORMAT,"D/M/YY HH:mm"}', { d: '2024-03-01' })).toBe('1/3/24 00:00');
    expect(render('{d | DATE_FORMAT,"YYYY-MM-DD[T]HH:mm:ss"}', { d: '2024-03-01T00:30:05.123+01:00' })).toBe('2024-03-01T00:30:05');
    expect(render('{d | DATE_FORMAT,"[Day] D, HH:mm"}', { d: '2023-12-31 23:59Z' })).toBe('Day 31, 23:59');
    expect(render('{d | DATE_FORMAT,"MM/DD"}', { d: '2024-02-29T08:00:00Z' })).toBe('02/29');
  });

  it.each(['2023-02-29', '2024-13-01', '2024-03-01T24:00', '03/01/2024', '2024-3-1'])('DATE_FORMAT refuses %s at render time', (date) => {
    expect(renderError('{d | DATE_FORMAT,"YYYY"}', { d: date })?.message).toBe(
      `DATE_FORMAT of "d": "${date}" is not an ISO 8601 date (2024-03-01) or date-time (2024-03-01T09:30:00)`,
    );
  });

  it('COUNTRY_CODE_ISO3166 reads a name in any case or a code, and gives the form asked for (alpha2 by default)', () => {
    for (const country of ['germany', 'DE', 'DEU', 'de', '276']) {
      expect(render('{c | COUNTRY_CODE_ISO3166,"alpha2"}/{c | COUNTRY_CODE_ISO3166,"alpha3"}/{c | COUNTRY_CODE_ISO3166,"numeric"}/{c | COUNTRY_CODE_ISO3166}', { c: country })).toBe('DE/DEU/276/DE');
    }
    expect(render('{c | COUNTRY_CODE_ISO3166,"numeric"}', { c: 'Afghanistan' })).toBe('004');
    expect(render('{c | COUNTRY_CODE_ISO3166,"alpha3"}', { c: 'South Korea' })).toBe('KOR');
    expect(render('{c | COUNTRY_CODE_ISO3166,"alpha3"}', { c: 'Korea, Republic of' })).toBe('KOR');
    expect(render('{c | COUNTRY_CODE_ISO3166,"alpha3"}', { c: 'cote d’ivoire' })).toBe('CIV');
  });

  it('COUNTRY_CODE_ISO3166 knows all 249 countries by name and by each code', () => {
    expect(countries).toHaveLength(249);
    for (const { alpha2, alpha3, numeric, name } of countries) {
      for (const given of [alpha2, alpha3, numeric, name]) {
        expect(render('{c | COUNTRY_CODE_ISO3166,"alpha2"}{c | COUNTRY_CODE_ISO3166,"alpha3"}{c | COUNTRY_CODE_ISO3166,"numeric"}', { c: given })).toBe(alpha2 + alpha3 + numeric);
      }
    }
  });

  it('COUNTRY_CODE_ISO3166 fails rendering an unknown country, naming it', () => {
    expect(renderError('{c | COUNTRY_CODE_ISO3166}', { c: 'Atlantis' })?.message).toBe(
      'COUNTRY_CODE_ISO3166 of "c": "Atlantis" is neither an English country name nor an ISO 3166-1 code',
    );
    expect(renderError('{c} | COUNTRY_CODE_ISO3166', { c: 'XX' })?.message).toBe('COUNTRY_CODE_ISO3166: "XX" is neither an English country name nor an ISO 3166-1 code');
  });

  it('DEFAULT replaces an empty result and keeps any other', () => {
    expect(render('{a | REMOVE_DOMAIN | DEFAULT,"none"}', { a: '@example.com' })).toBe('none');
    expect(render('{a | DEFAULT,"none"}', { a: 'x' })).toBe('x');
  });
});

describe('NEXT_NUMBER', () => {
  it('renders start + attempt, zero-padded to the width', () => {
    const formatter = compileFormatter('{first}.{last}{NEXT_NUMBER,2,2} | LOWER');
    expect(formatter.usesNextNumber).toBe(true);
    expect(formatter.attributes).toEqual(['first', 'last']);
    const record: IdentityRecord = { first: 'Ann', last: 'Lee' };
    expect([0, 1, 120].map((nextNumber) => formatter.render((path) => record[path], { nextNumber }))).toEqual(['ann.lee02', 'ann.lee03', 'ann.lee122']);
    expect(render('x{NEXT_NUMBER,1}', {}, 9)).toBe('x10');
    expect(render('x{NEXT_NUMBER,0 | PREPEND,"-"}', {}, 0)).toBe('x-0');
  });

  it('is a programming error to render without the attempt, and no concern of formatters without it', () => {
    expect(() => render('{a}{NEXT_NUMBER,2}', { a: 'x' })).toThrow('"{a}{NEXT_NUMBER,2}" uses NEXT_NUMBER, so rendering it needs options.nextNumber');
    expect(() => render('{a}{NEXT_NUMBER,2}', { a: 'x' }, -1)).toThrow('needs options.nextNumber');
    expect(compileFormatter('{a}').usesNextNumber).toBe(false);
    expect(render('{a}', { a: 'x' }, 3)).toBe('x');
  });
});
