/**
 * SCIM 2.0 protocol facts (RFC 7644) that Tenure's SCIM clients share: the emulated Okta's push
 * to applications (src/emulator/okta/scim-client.ts) and the SCIM target (src/targets/scim/).
 */

/** The media type of SCIM messages (RFC 7644 §3.1). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/** The schema of a PATCH request's body (RFC 7644 §3.5.2). */
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The base URL and the path joined with exactly one slash between them. */
export function scimUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}
