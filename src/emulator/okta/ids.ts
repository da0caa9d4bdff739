import { randomBytes } from 'node:crypto';

// In ASCII order, so that a string of these digits sorts the same way as the number it encodes.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ORDERED_PART_LENGTH = 8;
const RANDOM_PART_LENGTH = 9;

function randomChars(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

function fromBase62(digits: string): number {
  let value = 0;
  for (const digit of digits) value = value * 62 + BASE62.indexOf(digit);
  return value;
}

function toFixedBase62(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/**
 * Makes Okta-shaped object ids (a 3-character prefix such as "00u" and 17 alphanumerics) that
 * increase in creation order. Lists are served in id order and the paging cursor is the last id
 * served, so a cursor stays valid even after the object it names is deleted.
 */
export class OrderedIdGenerator {
  private counter: number;

  constructor(private readonly prefix: string) {
    // A random start in the lower half keeps ids from different runs from looking alike and leaves
    // room for 10^14 ids before the ordered part would outgrow its width.
    this.counter = Math.floor((Math.random() * 62 ** ORDERED_PART_LENGTH) / 2);
  }

  next(): string {
    this.counter += 1;
    return this.prefix + toFixedBase62(this.counter, ORDERED_PART_LENGTH) + randomChars(BASE62, RANDOM_PART_LENGTH);
  }

  /** Makes every later id sort after `id`, one this generator (or an earlier run's) made. */
  advancePast(id: string): void {
    const ordered = id.slice(this.prefix.length, this.prefix.length + ORDERED_PART_LENGTH);
    this.counter = Math.max(this.counter, fromBase62(ordered));
  }
}

/** Okta error ids look like "oaeEZ0YOffyTiKJMrfTUGdGMg". */
export function newErrorId(): string {
  return 'oae' + randomChars(BASE62 + '-_', 22);
}

/** Okta request ids look like "YbKjW8Zqz6BG5N2NgeS3ZQAABBQ". */
export function newRequestId(): string {
  return randomChars(BASE62 + '-_', 27);
}

export function newToken(length: number): string {
  return randomChars(BASE62, length);
}
