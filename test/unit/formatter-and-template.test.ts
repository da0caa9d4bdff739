import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../src/notify/template.ts';
import { format, FormatterError, parseFormatter } from '../../src/policy/formatter.ts';

describe('formatters', () => {
  it('applies inner and outer pipelines in order', () => {
    const record = { first: '  Ångström ', last: 'Ünal', dept: 'Sales' };
    expect(format('{first | TRIM}.{last} | ASCII | LOWER | APPEND,"@example.com"', record)).toBe('angstrom.unal@example.com');
    expect(format('dept-{dept | LOWER}', record)).toBe('dept-sales');
    expect(format('{dept | UPPER | PREPEND,"team:"}', record)).toBe('team:SALES');
  });

  it('keeps pipes and commas inside quoted arguments', () => {
    expect(format('{a} | APPEND," | x,y"', { a: 'v' })).toBe('v | x,y');
  });

  it('reports the offset of what is wrong', () => {
    const failure = (source: string) => {
      try {
        parseFormatter(source);
      } catch (error) {
        return error instanceof FormatterError ? [error.offset, error.message] : error;
      }
      return undefined;
    };
    expect(failure('{a} | APEND,"x"')).toEqual([6, 'unknown function "APEND" (did you mean "APPEND"?); known functions: LOWER, UPPER, TRIM, ASCII, APPEND, PREPEND']);
    expect(failure('x-{a')).toEqual([2, 'a { is not closed']);
    expect(failure('{a} | LOWER,"x"')).toEqual([6, 'LOWER takes 0 arguments, got 1']);
  });
});

describe('notification templates', () => {
  const template = compileTemplate({
    subject: 'Welcome <<first_name>>',
    text: 'Login: <<okta.login>><<#if note>> ({{literal}} <<note>>)<</if>>',
    html: '<p><<first_name>></p>',
  });

  it('renders <<…>> placeholders with Handlebars semantics, escaping only the HTML part', () => {
    const message = template.render({ first_name: 'Tom & <Jerry>', note: 'hi', okta: { login: 't@example.com' } });
    expect(message).toEqual({
      subject: 'Welcome Tom & <Jerry>',
      text: 'Login: t@example.com ({{literal}} hi)',
      html: '<p>Tom &amp; &lt;Jerry&gt;</p>',
    });
  });

  it('refuses to render a placeholder the context lacks, rather than sending a blank', () => {
    expect(() => compileTemplate({ subject: 'Hi <<frist_name>>', text: 'x' }).render({ first_name: 'A' })).toThrow(/frist_name/);
  });
});
