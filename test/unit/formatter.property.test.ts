import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFormatter, FormatterError, RenderError } from '../../src/policy/formatter.ts';
import type { AttributeValue } from '../../src/policy/schema.ts';

/** Writes `text` as a formatter string argument. */
const quote = (text: string) => `"${text.replace(/[\\"]/g, '\\$&')}"`;

/** Applies a pipeline to one value, through the formatter language itself. */
const apply = (pipeline: string, value: string) => compileFormatter(`{v | ${pipeline}}`).render(() => value);

const codePoints = (text: string) => Array.from(text);

// Non-empty, since an empty attribute is a missing one; from all of Unicode, or printable ASCII.
const anyText = fc.oneof(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1 }), fc.string({ minLength: 1 }));
const count = fc.nat({ max: 40 });

describe('transformer functions, for any text', () => {
  it('LOWER and UPPER are idempotent', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(apply('LOWER | LOWER', text)).toBe(apply('LOWER', text));
        expect(apply('UPPER | UPPER', text)).toBe(apply('UPPER', text));
      }),
    );
  });

  it('ASCII gives printable ASCII, is idempotent, and keeps printable ASCII as it is', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const ascii = apply('ASCII', text);
        expect(ascii).toMatch(/^[\x20-\x7e]*$/);
        if (ascii !== '') expect(apply('ASCII', ascii)).toBe(ascii);
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (text) => {
        expect(apply('ASCII', text)).toBe(text);
      }),
    );
  });

  it('FIRST_N and LAST_N give a prefix and a suffix of at most n characters', () => {
    fc.assert(
      fc.property(anyText, count, (text, n) => {
        const first = apply(`FIRST_N,${n}`, text);
        const last = apply(`LAST_N,${n}`, text);
        const expected = Math.min(n, codePoints(text).length);
        expect(text.startsWith(first) && codePoints(first).length === expected).toBe(true);
        expect(text.endsWith(last) && codePoints(last).length === expected).toBe(true);
      }),
    );
  });

  it('SUBSTRING is slice over characters, and String.prototype.slice where every character is one UTF-16 unit', () => {
    fc.assert(
      fc.property(anyText, count, count, (text, start, length) => {
        const substring = apply(`SUBSTRING,${start},${length}`, text);
        expect(substring).toBe(codePoints(text).slice(start, start + length).join(''));
        if (codePoints(text).length === text.length) expect(substring).toBe(text.slice(start, start + length));
      }),
    );
  });

  it('APPEND and PREPEND add exactly their argument, whatever its quotes and backslashes', () => {
    fc.assert(
      fc.property(anyText, fc.string({ unit: 'binary' }), (text, extra) => {
        expect(apply(`APPEND,${quote(extra)}`, text)).toBe(text + extra);
        expect(apply(`PREPEND,${quote(extra)}`, text)).toBe(extra + text);
      }),
    );
  });

  it('REPLACE replaces every occurrence, literally', () => {
    const small = fc.string({ unit: fc.constantFrom('a', 'b', '.', '$', '&', '\\') });
    fc.assert(
      fc.property(small.filter((text) => text !== ''), small.filter((text) => text !== ''), small, (text, from, to) => {
        expect(apply(`REPLACE,${quote(from)},${quote(to)}`, text)).toBe(text.split(from).join(to));
      }),
    );
    // A longer `from` can reappear where a replacement meets its neighbours ("aabb" without "ab" is
    // "ab"), so only one character is sure to be gone.
    fc.assert(
      fc.property(anyText, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary' }), (text, from, to) => {
        fc.pre(!to.includes(from));
        expect(apply(`REPLACE,${quote(from)},${quote(to)}`, text)).not.toContain(from);
      }),
    );
  });

  it('REMOVE_DOMAIN leaves no @, and the part before it', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const local = apply('REMOVE_DOMAIN | DEFAULT,""', text);
        expect(local).not.toContain('@');
        expect(text.startsWith(local)).toBe(true);
      }),
    );
  });

  it('DATE_FORMAT gives back any valid date and date-time as it was written', () => {
    const dates = fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(dates, (date) => {
        const iso = date.toISOString();
        expect(apply('DATE_FORMAT,"YYYY-MM-DD"', iso.slice(0, 10))).toBe(iso.slice(0, 10));
        expect(apply('DATE_FORMAT,"YYYY-MM-DD[T]HH:mm:ss"', iso)).toBe(iso.slice(0, 19));
      }),
    );
  });
});

const attribute = fc.constantFrom('a', 'b', 'old.a', 'new.c');
const call = fc.oneof(
  fc.constantFrom('LOWER', 'UPPER', 'TRIM', 'ASCII', 'REMOVE_DOMAIN', 'COUNTRY_CODE_ISO3166'),
  fc.tuple(fc.constantFrom('APPEND', 'PREPEND', 'DEFAULT'), fc.string()).map(([name, text]) => `${name},${quote(text)}`),
  fc.tuple(fc.constantFrom('FIRST_N', 'LAST_N'), count).map(([name, n]) => `${name},${n}`),
  fc.tuple(count, count).map(([start, length]) => `SUBSTRING,${start},${length}`),
  fc.tuple(fc.string({ minLength: 1 }), fc.string()).map(([from, to]) => `REPLACE,${quote(from)},${quote(to)}`),
  fc.constantFrom('"alpha2"', '"alpha3"', '"numeric"').map((form) => `COUNTRY_CODE_ISO3166,${form}`),
  fc.constantFrom('"YYYY-MM-DD"', '"D/M/YY HH:mm:ss"').map((layout) => `DATE_FORMAT,${layout}`),
);
const pipeline = fc.array(call, { maxLength: 3 }).map((calls) => calls.map((name) => ` | ${name}`).join(''));
const braces = fc.oneof(
  fc.tuple(attribute, pipeline).map(([path, calls]) => `{${path}${calls}}`),
  fc.tuple(fc.nat({ max: 99 }), fc.integer({ min: 1, max: 4 }), pipeline).map(([start, width, calls]) => `{NEXT_NUMBER,${start},${width}${calls}}`),
);
const piece = fc.oneof(fc.string({ unit: fc.constantFrom('x', '.', '-', '@', ' ', '"') }), braces);
const formatter = fc.tuple(braces, fc.array(piece, { maxLength: 3 }), pipeline).map(([first, pieces, calls]) => first + pieces.join('') + calls);
const value: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string(),
  fc.constantFrom('Germany', 'de', 'FRA', '2024-02-29', '2024-03-01T09:30:00Z', 'ann@example.com', ''),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const record = fc.dictionary(attribute, value);

/** Token soup: far likelier than random characters to reach deep into the parser. */
const formatterish = fc
  .array(fc.constantFrom('{', '}', '|', ',', '"', '\\', ' ', 'a', '.', '1', '-', '99999999999999999999', 'LOWER', 'LOWR', 'APPEND', 'FIRST_N', 'SUBSTRING', 'REPLACE', 'DEFAULT', 'NEXT_NUMBER', 'DATE_FORMAT', '"YY[', 'COUNTRY_CODE_ISO3166', '"alpha3"'))
  .map((tokens) => tokens.join(''));

describe('formatters', () => {
  it('render any record, failing only with a RenderError', () => {
    fc.assert(
      fc.property(formatter, record, fc.nat({ max: 1000 }), (source, values, nextNumber) => {
        const compiled = compileFormatter(source);
        try {
          expect(typeof compiled.render((path) => values[path], { nextNumber })).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(RenderError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('compile any text or fail with a FormatterError that points into it, and what compiles renders', () => {
    fc.assert(
      fc.property(fc.oneof(formatterish, fc.string({ unit: 'binary' })), record, (source, values) => {
        let compiled;
        try {
          compiled = compileFormatter(source);
        } catch (error) {
          expect(error).toBeInstanceOf(FormatterError);
          expect((error as FormatterError).offset).toBeGreaterThanOrEqual(0);
          expect((error as FormatterError).offset).toBeLessThanOrEqual(source.length);
          return;
        }
        try {
          compiled.render((path) => values[path], { nextNumber: 0 });
        } catch (error) {
          expect(error).toBeInstanceOf(RenderError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
