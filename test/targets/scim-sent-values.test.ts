import { describe, expect, it } from 'vitest';
import { PATCH_OP } from '../../src/scim/protocol.ts';
import { USER_SCHEMA } from '../../src/scim/schema-definitions.ts';
import { maskValues, sentValues } from '../../src/targets/scim/sent-values.ts';

describe('the values a SCIM request sends, masked in the detail of its answer', () => {
  it('are the string values of the body, however deep, and not the protocol words around them', () => {
    const body = { schemas: [USER_SCHEMA], userName: 'jane.doe@example.com', active: true, name: { givenName: 'Jane' }, emails: [{ value: 'jane@example.net', type: 'work' }] };
    expect(sentValues('/Users', body)).toEqual(['jane.doe@example.com', 'Jane', 'jane@example.net', 'work']);
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Head of Payroll' }] };
    expect(sentValues('/Users/u1', patch)).toEqual(['Head of Payroll']);
  });

  it("are the values compared in the path's filter", () => {
    const path = `/Users?filter=${encodeURIComponent('userName eq "jane.doe@example.com" or (externalId eq "E 1" and active eq true)')}&count=100`;
    expect(sentValues(path, undefined)).toEqual(['jane.doe@example.com', 'E 1']);
    expect(sentValues('/Users/u1', undefined)).toEqual([]);
  });

  it('are masked ignoring case, the longest first, 3 characters or more, taken literally', () => {
    expect(maskValues('Jane.Doe@Example.com is taken (jane, de)', ['jane.doe@example.com', 'jane', 'de'])).toBe('<value> is taken (<value>, de)');
    expect(maskValues('a+b (x) is bad, a+b+c too', ['a+b', 'x'])).toBe('<value> (x) is bad, <value>+c too');
    expect(maskValues('nothing sent', [])).toBe('nothing sent');
  });
});
