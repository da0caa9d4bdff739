function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** The Gregorian calendar repeats every 400 years; Date.UTC reads years 0–99 as 1900–1999, so those are shifted by a cycle and back. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

export interface IsoDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** The offset from UTC written, in milliseconds; 0 for Z and for none. */
  offset: number;
}

/**
 * ISO 8601 in its extended form (RFC 3339 also allows a space for the T): `2026-11-24`,
 * `2026-11-24T17:00`, `2026-11-24 17:00:00,5`, `2026-11-24T17:00:00.250Z`, `…+01:00`, `…-0500`,
 * `…+01`; undefined for anything else, an impossible day included. Read by hand because the
 * planner reads dates for every row of a snapshot.
 */
export function readIsoDateTime(text: string): IsoDateTime | undefined {
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return undefined;
  const leapDay = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  if (day > DAYS_IN_MONTH[month - 1]! + leapDay) return undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millisecond = 0;
  let offset = 0;
  if (text.length > 10) {
    const separator = text.charCodeAt(10);
    if (separator !== 84 && separator !== 116 && separator !== 32) return undefined; // T, t or a space
    hour = digitsAt(text, 11, 2);
    minute = digitsAt(text, 14, 2);
    if (hour < 0 || hour > 23 || text.charCodeAt(13) !== 58 || minute < 0 || minute > 59) return undefined;
    let i = 16;
    if (text.charCodeAt(i) === 58) {
      second = digitsAt(text, 17, 2);
      if (second < 0 || second > 59) return undefined;
      i = 19;
      if (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 44) {
        const start = ++i;
        while (digitsAt(text, i, 1) >= 0) i++;
        if (i === start) return undefined;
        // Milliseconds are as fine as an instant gets; further digits are ignored.
        const places = Math.min(i - start, 3);
        millisecond = digitsAt(text, start, places) * 10 ** (3 - places);
      }
    }
    const zone = text.charCodeAt(i);
    if (zone === 90 || zone === 122) {
      i++; // Z or z
    } else if (zone === 43 || zone === 45) {
      const hours = digitsAt(text, i + 1, 2);
      if (hours < 0 || hours > 23) return undefined;
      i += 3;
      let minutes = 0;
      if (i < text.length) {
        if (text.charCodeAt(i) === 58) i++;
        minutes = digitsAt(text, i, 2);
        if (minutes < 0 || minutes > 59) return undefined;
        i += 2;
      }
      offset = (zone === 43 ? 1 : -1) * (hours * 60 + minutes) * 60_000;
    }
    if (i !== text.length) return undefined;
  }
  return { year, month, day, hour, minute, second, millisecond, offset };
}

/**
 * An ISO 8601 text as milliseconds since the epoch. A date is its midnight UTC, and a time
 * without an offset is UTC too: Date.parse would read it in the server's zone, and a plan must
 * not depend on where it is made.
 */
export function isoInstant(text: string): number | undefined {
  const date = readIsoDateTime(text);
  if (!date) return undefined;
  const { year, month, day, hour, minute, second, millisecond, offset } = date;
  const shifted = year < 100;
  return Date.UTC(shifted ? year + 400 : year, month - 1, day, hour, minute, second, millisecond) - (shifted ? FOUR_CENTURIES_MS : 0) - offset;
}

