import { z } from 'zod';
import type { ChangeEvent } from '../identity/change-event.ts';
import { IdentityRecord } from '../policy/schema.ts';

/** The most events one webhook request may carry. */
const MAX_HR_BATCH = 1_000;

/** An HR event's schema depends on the policies: they say which attribute is the identity key. */
function hrBodySchema(keyAttribute: string) {
  const event = z
    .strictObject({
      eventId: z.string().trim().min(1, 'must not be empty').max(200),
      /** The employee's whole current record. */
      record: IdentityRecord.optional(),
      /** Instead of a record: the key of an employee the HR system no longer holds. */
      removedKey: z.string().trim().min(1).optional(),
    })
    .superRefine((value, context) => {
      if ((value.record === undefined) === (value.removedKey === undefined)) {
        context.addIssue({ code: 'custom', message: 'give either "record" or "removedKey", not both or neither' });
        return;
      }
      const path = value.record ? ['record', keyAttribute] : ['removedKey'];
      const key = value.record ? value.record[keyAttribute] : value.removedKey;
      if (typeof key !== 'string' && typeof key !== 'number') {
        context.addIssue({ code: 'custom', path, message: 'required, it is the identity key of source "hr"' });
      } else if (String(key).trim() === '' || String(key).includes('/')) {
        context.addIssue({ code: 'custom', path, message: 'must be non-empty and contain no "/"' });
      }
    });
  return { event, batch: z.array(event).min(1, 'the batch is empty').max(MAX_HR_BATCH) };
}

export type HrParseResult = { ok: true; events: ChangeEvent[] } | { ok: false; problems: string[] };

function where(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`)).join('').replace(/^\./, '') || '(body)';
}

/** Turns a webhook body into change events, or into every problem it has; never a part of it. */
export function parseHrEvents(body: unknown, keyAttribute: string, receivedAt: string): HrParseResult {
  // Chosen by shape rather than with a zod union, whose failure would hide each event's problems.
  const schemas = hrBodySchema(keyAttribute);
  const parsed = Array.isArray(body) ? schemas.batch.safeParse(body) : schemas.event.safeParse(body);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`) };
  const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return {
    ok: true,
    events: events.map((event) => ({
      source: 'hr',
      key: String(event.record ? event.record[keyAttribute] : event.removedKey).trim(),
      eventId: event.eventId,
      record: event.record ?? null,
      receivedAt,
    })),
  };
}
