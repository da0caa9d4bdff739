import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { ChangeEvent } from '../identity/change-event.ts';
import { IdentityRecord } from '../policy/schema.ts';
import { identityKeyProblem } from './identity-key.ts';

/** The source name of HR's identities: workflows `identity/hr/<key>`. */
export const HR_SOURCE = 'hr';

/** The most events one webhook request may carry. */
const MAX_HR_BATCH = 1_000;

/** An HR event's schema depends on the policies: they say which attribute is the identity key. */
function hrEventSchema(keyAttribute: string) {
  return z
    .strictObject({
      eventId: z.string().trim().min(1, 'must not be empty').max(200),
      /** The employee's whole current record. */
      record: IdentityRecord.optional(),
      /** Instead of a record: the key of an employee the HR system no longer holds. */
      removedKey: z.string().optional(),
    })
    .superRefine((value, context) => {
      if ((value.record === undefined) === (value.removedKey === undefined)) {
        context.addIssue({ code: 'custom', message: 'give either "record" or "removedKey", not both or neither' });
        return;
      }
      const path = value.record ? ['record', keyAttribute] : ['removedKey'];
      const key = value.record ? value.record[keyAttribute] : value.removedKey;
      const problem = typeof key === 'string' || typeof key === 'number' ? identityKeyProblem(key, keyAttribute) : 'required, it is the identity key of source "hr"';
      if (problem) context.addIssue({ code: 'custom', path, message: problem });
    });
}

type HrEvent = z.output<ReturnType<typeof hrEventSchema>>;

/** A batch entry left out because an earlier entry is the same event. */
export interface HrDuplicate {
  index: number;
  eventId: string;
  duplicateOf: number;
}

export type HrParseResult = { ok: true; events: ChangeEvent[]; duplicates: HrDuplicate[] } | { ok: false; problems: string[] };

function where(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`)).join('').replace(/^\./, '') || '(body)';
}

/**
 * The record without the attributes no policy may read: HR sends whole records (salaries, home
 * addresses …), and what reaches a workflow stays in its history.
 */
export function onlyKept(record: IdentityRecord, kept: ReadonlySet<string>, keyAttribute: string): IdentityRecord {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name === keyAttribute || kept.has(name)));
}

/**
 * Turns a webhook body (one event or a batch) into change events, or into every problem it has;
 * never a part of it. An event sent twice in a batch (a retrying sender) is kept once; two
 * different events under one id are refused, since either one would be dropped as a duplicate.
 * With `kept`, a record keeps only those attributes and the identity key.
 */
export function parseHrEvents(body: unknown, keyAttribute: string, receivedAt: string, kept?: ReadonlySet<string>): HrParseResult {
  const isBatch = Array.isArray(body);
  const entries: unknown[] = isBatch ? body : [body];
  if (isBatch && entries.length === 0) return { ok: false, problems: ['(body): the batch is empty'] };
  if (entries.length > MAX_HR_BATCH) {
    return { ok: false, problems: [`(body): the batch holds ${entries.length} events, more than the ${MAX_HR_BATCH} one request may carry`] };
  }

  const schema = hrEventSchema(keyAttribute);
  const problems: string[] = [];
  const firstWithId = new Map<string, { index: number; event: HrEvent }>();
  const duplicates: HrDuplicate[] = [];
  // Each entry on its own, so that a conflict between valid entries is listed with the other problems.
  entries.forEach((entry, index) => {
    const at = isBatch ? [index] : [];
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `${where([...at, ...issue.path])}: ${issue.message}`));
      return;
    }
    const event = kept && parsed.data.record ? { ...parsed.data, record: onlyKept(parsed.data.record, kept, keyAttribute) } : parsed.data;
    const first = firstWithId.get(event.eventId);
    if (!first) {
      firstWithId.set(event.eventId, { index, event });
    } else if (isDeepStrictEqual(first.event, event)) {
      duplicates.push({ index, eventId: event.eventId, duplicateOf: first.index });
    } else {
      problems.push(`${where([index, 'eventId'])}: "${event.eventId}" is also the id of [${first.index}], whose content differs; one event id must name one change`);
    }
  });
  if (problems.length > 0) return { ok: false, problems };

  const events = [...firstWithId.values()].map(({ event }) => ({
    source: HR_SOURCE,
    key: String(event.record ? event.record[keyAttribute] : event.removedKey),
    eventId: event.eventId,
    record: event.record ?? null,
    receivedAt,
  }));
  return { ok: true, events, duplicates };
}
