import { describe, expect, it } from 'vitest';
import { parseHrEvents } from '../../src/sources/hr-events.ts';
import { signHrBody, verifyHrSignature } from '../../src/sources/hr-signature.ts';

describe('HR webhook signature', () => {
  const body = Buffer.from('{"eventId":"e1"}');
  it('accepts the HMAC-SHA256 of the exact body and refuses anything else', () => {
    expect(verifyHrSignature(body, signHrBody(body, 's3cret'), 's3cret')).toBe(true);
    expect(verifyHrSignature(body, signHrBody(body, 'other'), 's3cret')).toBe(false);
    expect(verifyHrSignature(Buffer.from('{"eventId":"e2"}'), signHrBody(body, 's3cret'), 's3cret')).toBe(false);
    expect(verifyHrSignature(body, undefined, 's3cret')).toBe(false);
    expect(verifyHrSignature(body, 'sha256=short', 's3cret')).toBe(false);
  });
});

describe('HR events', () => {
  const at = '2026-11-24T10:00:00.000Z';
  it('turns one event or a batch into change events keyed by the policy key', () => {
    const one = parseHrEvents({ eventId: 'e1', record: { employee_id: 'E1', status: 'active' } }, 'employee_id', at);
    expect(one).toEqual({ ok: true, events: [{ source: 'hr', key: 'E1', eventId: 'e1', record: { employee_id: 'E1', status: 'active' }, receivedAt: at }] });
    const batch = parseHrEvents([{ eventId: 'e1', record: { employee_id: 7 } }, { eventId: 'e2', removedKey: 'E2' }], 'employee_id', at);
    expect(batch.ok && batch.events.map((event) => [event.key, event.record])).toEqual([['7', { employee_id: 7 }], ['E2', null]]);
  });

  it('lists every problem of a batch, and accepts none of it', () => {
    const result = parseHrEvents(
      [{ eventId: '', record: {} }, { eventId: 'e2', record: { employee_id: 'E2' }, removedKey: 'E2' }, { eventId: 'e3', record: { name: 'x' } }, { eventId: 'e4', record: { employee_id: 'a/b' } }],
      'employee_id',
      at,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        '[0].eventId: must not be empty',
        '[0].record.employee_id: required, it is the identity key of source "hr"',
        '[1]: give either "record" or "removedKey", not both or neither',
        '[2].record.employee_id: required, it is the identity key of source "hr"',
        '[3].record.employee_id: must be non-empty and contain no "/"',
      ],
    });
    expect(parseHrEvents({ eventId: 'e1', record: { employee_id: 'E1', nested: { a: 1 } }, extra: true }, 'employee_id', at)).toMatchObject({ ok: false });
    expect(parseHrEvents([], 'employee_id', at)).toEqual({ ok: false, problems: ['(body): the batch is empty'] });
  });
});
