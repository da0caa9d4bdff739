/**
 * Text a database can hold. PostgreSQL text cannot contain NUL, and half of a UTF-16 surrogate pair
 * (which JSON may escape as "\ud800") has no UTF-8 form: either would fail deep in the database as a
 * 500, or be silently replaced by U+FFFD. They are refused where the client's text first arrives.
 * Only these two: tabs, newlines and other characters are text a SCIM value may hold.
 */

const UNSTORABLE = /\u0000|\p{Cs}/u;

/** Why `text` cannot be stored, or undefined when it can. The text itself is not quoted: it may be personal data. */
export function unstorableText(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  return found[0] === '\u0000' ? 'holds a NUL character (\\u0000)' : 'holds half of a UTF-16 surrogate pair, which is not text';
}
