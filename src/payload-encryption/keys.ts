/**
 * The keys that encrypt what Tenure hands to Temporal, from TENURE_ENCRYPTION_KEYS: a
 * comma-separated list of `id:base64key`. The first encrypts new payloads; the others still decrypt
 * what they encrypted, so that a key is rotated by putting a new one first and dropping the old
 * one once no running workflow's history holds payloads under it.
 */

export interface EncryptionKey {
  /** Written in clear beside each payload, so that decryption finds its key after a rotation. */
  id: string;
  /** 32 bytes: AES-256. */
  key: Buffer;
}

export const ENCRYPTION_KEYS_VARIABLE = 'TENURE_ENCRYPTION_KEYS';
const KEY_BYTES = 32;
/** Ids are stored in clear in every payload's metadata and named in errors: short, plain, never secret. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const FIX = 'write each key as id:base64key, e.g. `2025-01:$(openssl rand -base64 32)`, the newest first, separated by commas';

/**
 * The keys the setting lists, or undefined when it is unset or empty (encryption off). A malformed
 * setting is refused; the message points at the entry by position or id and never quotes a key.
 */
export function encryptionKeysFrom(raw: string | undefined): EncryptionKey[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const keys: EncryptionKey[] = [];
  raw.split(',').forEach((entry, index) => {
    const where = `${ENCRYPTION_KEYS_VARIABLE} entry ${index + 1}`;
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon < 0) throw new Error(`${where} has no key id: ${FIX}`);
    const id = trimmed.slice(0, colon);
    const encoded = trimmed.slice(colon + 1);
    // The id is checked before it is quoted: text before a colon might be a pasted key.
    if (!KEY_ID.test(id)) throw new Error(`${where} has a key id that is not 1-64 letters, digits, '.', '_' or '-': ${FIX}`);
    if (!BASE64.test(encoded)) throw new Error(`${ENCRYPTION_KEYS_VARIABLE}: key "${id}" is not base64: ${FIX}`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`${ENCRYPTION_KEYS_VARIABLE}: key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES}: ${FIX}`);
    if (keys.some((known) => known.id === id)) throw new Error(`${ENCRYPTION_KEYS_VARIABLE}: key id "${id}" is listed twice: each key needs its own id`);
    keys.push({ id, key });
  });
  return keys;
}
