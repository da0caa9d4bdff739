import { describe, expect, it } from 'vitest';
import { parseHrEvents } from '../../src/sources/hr-events.ts';

describe('HR events', () => {
  const at = '2026-11-24T10:00:00.000Z';
  it('turns one event or a batch into change events keyed by the policy key', () => {
    const one = parseHrEvents({ eventId: 'e1', record: { employee_id: 'E1', status: 'active' } }, 'employee_id', at);
    expect(one).toEqual({ ok: true, events: [{ source: 'hr', key: 'E1', eventId: 'e1', record: { employee_id: 'E1', status: 'active' }, receivedAt: at }], duplicates: [] });
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
        '[3].record.employee_id: employee_id "a/b" contains "/"',
      ],
    });
    expect(parseHrEvents({ eventId: 'e1', record: { employee_id: 'E1', nested: { a: 1 } }, extra: true }, 'employee_id', at)).toMatchObject({ ok: false });
    expect(parseHrEvents([], 'employee_id', at)).toEqual({ ok: false, problems: ['(body): the batch is empty'] });
  });

  it('takes at most 1,000 events in one request', () => {
    const batch = (size: number) => Array.from({ length: size }, (_, index) => ({ eventId: `e${index}`, removedKey: `E${index}` }));
    expect(parseHrEvents(batch(1_000), 'employee_id', at)).toMatchObject({ ok: true });
    expect(parseHrEvents(batch(1_001), 'employee_id', at)).toEqual({
      ok: false,
      problems: ['(body): the batch holds 1001 events, more than the 1000 one request may carry'],
    });
  });
});

describe('an event id sent twice in one batch', () => {
  const at = '2026-11-24T10:00:00.000Z';
  const joiner = { eventId: 'e1', record: { employee_id: 'E1', department: 'Sales', status: 'active' } };

  it('with the same content is one event, and the answer says which entries were duplicates', () => {
    // The same record with its attributes in another order, and the id with spaces a sender left.
    const again = { record: { status: 'active', employee_id: 'E1', department: 'Sales' }, eventId: ' e1 ' };
    const result = parseHrEvents([joiner, { eventId: 'e2', removedKey: 'E2' }, again, joiner], 'employee_id', at);
    expect(result).toEqual({
      ok: true,
      events: [
        { source: 'hr', key: 'E1', eventId: 'e1', record: joiner.record, receivedAt: at },
        { source: 'hr', key: 'E2', eventId: 'e2', record: null, receivedAt: at },
      ],
      duplicates: [
        { index: 2, eventId: 'e1', duplicateOf: 0 },
        { index: 3, eventId: 'e1', duplicateOf: 0 },
      ],
    });
  });

  it('with different content refuses the batch, naming both entries, beside its other problems', () => {
    const moved = { eventId: 'e1', record: { ...joiner.record, department: 'Legal' } };
    const result = parseHrEvents([joiner, { eventId: 'e2', record: {} }, moved, { eventId: 'e1', removedKey: 'E1' }], 'employee_id', at);
    expect(result).toEqual({
      ok: false,
      problems: [
        '[1].record.employee_id: required, it is the identity key of source "hr"',
        '[2].eventId: "e1" is also the id of [0], whose content differs; one event id must name one change',
        '[3].eventId: "e1" is also the id of [0], whose content differs; one event id must name one change',
      ],
    });
  });
});

describe('identity keys the HR webhook refuses, as HR exports do', () => {
  const at = '2026-11-24T10:00:00.000Z';
  const withKey = (key: unknown) => ({ eventId: 'e1', record: { employee_id: key, status: 'active' } });

  it.each([
    ['a control character', 'E1\u0000', 'employee_id "E1\\u0000" holds a control character'],
    ['a newline', 'E1\nE2', 'employee_id "E1\\nE2" holds a control character'],
    ['spaces around it', ' E1 ', 'employee_id " E1 " has spaces around it'],
    ['half of a surrogate pair (JSON can escape one; UTF-8 cannot carry it)', 'E\ud800', 'employee_id holds half of a UTF-16 surrogate pair, which is not text'],
    ['__proto__', '__proto__', 'employee_id "__proto__" is the name of a JavaScript object property, which cannot identify anyone'],
    ['constructor', 'constructor', 'employee_id "constructor" is the name of a JavaScript object property, which cannot identify anyone'],
    ['toString', 'toString', 'employee_id "toString" is the name of a JavaScript object property, which cannot identify anyone'],
  ])('refuses a key with %s', (_what, key, message) => {
    expect(parseHrEvents(withKey(key), 'employee_id', at)).toEqual({ ok: false, problems: [`record.employee_id: ${message}`] });
  });

  it('refuses a removed key with spaces around it rather than trimming it into another person', () => {
    expect(parseHrEvents({ eventId: 'e1', removedKey: 'E1 ' }, 'employee_id', at)).toEqual({ ok: false, problems: ['removedKey: employee_id "E1 " has spaces around it'] });
  });
});

describe('attributes no policy reads', () => {
  const at = '2026-11-24T10:00:00.000Z';
  it('are dropped from the record, and the identity key kept even when not listed', () => {
    const body = { eventId: 'e1', record: { employee_id: 'E1', first_name: 'Ada', salary: 120000, home_address: '1 Main St' } };
    const result = parseHrEvents(body, 'employee_id', at, new Set(['first_name']));
    expect(result.ok && result.events[0]!.record).toEqual({ employee_id: 'E1', first_name: 'Ada' });
  });
});
