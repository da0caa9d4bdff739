import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/*
 * The correlation id as a Temporal header: set by the client that signals or starts a workflow,
 * read by the workflow's interceptor and put on the activities it schedules. Pure, so that the
 * bundled workflow code can use it too. Headers are not encrypted by the payload codec: the id
 * is a random token, never personal data.
 */

export const CORRELATION_HEADER = 'tenure-correlation-id';

/** What a caller may send as X-Request-Id: token characters (RFC 9110), bounded, so that a log line cannot be stuffed through it. */
const SANE_ID = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;

/** The id as given when it is sane; undefined otherwise (the caller then makes one). */
export function saneCorrelationId(raw: unknown): string | undefined {
  return typeof raw === 'string' && SANE_ID.test(raw) ? raw : undefined;
}

/** A call's input (a start, a signal, an activity) with the id among its headers. */
export function withCorrelationHeader<I extends { headers: Record<string, Payload> }>(input: I, id: string): I {
  return { ...input, headers: { ...input.headers, [CORRELATION_HEADER]: defaultPayloadConverter.toPayload(id) } };
}

/** The id a header map carries, if it carries a sane one. */
export function correlationIdOf(headers: Record<string, Payload> | undefined): string | undefined {
  const payload = headers?.[CORRELATION_HEADER];
  if (payload === undefined) return undefined;
  try {
    return saneCorrelationId(defaultPayloadConverter.fromPayload(payload));
  } catch {
    // A header some other client wrote in a shape of its own is no id of ours.
    return undefined;
  }
}
