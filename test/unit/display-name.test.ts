import { describe, expect, it } from 'vitest';
import { identityLabel } from '../../src/identity/display-name.ts';

describe('the name the Temporal UI gives an identity', () => {
  it('is the display name, with the source and the key', () => {
    expect(identityLabel('hr', 'E1001', { employee_id: 'E1001', display_name: 'Zoë L.', first_name: 'Zoë', last_name: 'Lindqvist' })).toBe('Zoë L. (hr E1001)');
    expect(identityLabel('okta', '00u1', { id: '00u1', displayName: 'Ada B.', firstName: 'Ada' })).toBe('Ada B. (okta 00u1)');
  });

  it('else the first and last names, as HR or Okta spell them', () => {
    expect(identityLabel('hr', 'E1001', { employee_id: 'E1001', first_name: 'Zoë', last_name: 'Lindqvist' })).toBe('Zoë Lindqvist (hr E1001)');
    expect(identityLabel('okta', '00u1', { id: '00u1', firstName: 'Ada', lastName: 'Byron', login: 'ada@example.com' })).toBe('Ada Byron (okta 00u1)');
    expect(identityLabel('hr', 'E7', { employee_id: 'E7', first_name: 'Cher' })).toBe('Cher (hr E7)');
  });

  it('else the login or email, else the key alone', () => {
    expect(identityLabel('okta', '00u1', { id: '00u1', login: 'svc-backup@example.com' })).toBe('svc-backup@example.com (okta 00u1)');
    expect(identityLabel('hr', 'E1003', null)).toBe('hr identity E1003');
    expect(identityLabel('okta', '00u1', { status: 'DEPROVISIONED' })).toBe('okta identity 00u1');
  });

  it('stays on one line, and short', () => {
    expect(identityLabel('hr', 'E9', { first_name: 'Ana\nMaria ', last_name: '  Silva' })).toBe('Ana Maria Silva (hr E9)');
    expect(identityLabel('hr', 'E9', { display_name: 'x'.repeat(500) })).toHaveLength(120 + ' (hr E9)'.length);
  });
});
