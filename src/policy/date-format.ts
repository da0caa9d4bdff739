/**
 * DATE_FORMAT layouts. The tokens are Moment's and Day.js's, which most people who write date
 * layouts already know (upper-case MM is the month, lower-case mm the minute):
 *
 *   YYYY  year, four digits      YY  year, last two digits
 *   MM    month, 01–12           M   month, 1–12
 *   DD    day, 01–31             D   day, 1–31
 *   HH    hour, 00–23            mm  minute, 00–59          ss  second, 00–59
 *
 * Everything else is literal text; square brackets keep letters that would be tokens literal
 * ("[Day] D" gives "Day 7"). A layout without a single token is refused: it is most likely a
 * Go layout such as "2006-01-02" (what Veza uses), which would print that same text for every date.
 */

import { readIsoDateTime, type IsoDateTime } from './iso-date.ts';

export class DateLayoutError extends Error {}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

const tokens: Readonly<Record<string, (date: IsoDateTime) => string>> = {
  YYYY: (date) => pad(date.year, 4),
  YY: (date) => pad(date.year % 100, 2),
  MM: (date) => pad(date.month, 2),
  M: (date) => String(date.month),
  DD: (date) => pad(date.day, 2),
  D: (date) => String(date.day),
  HH: (date) => pad(date.hour, 2),
  mm: (date) => pad(date.minute, 2),
  ss: (date) => pad(date.second, 2),
};
// Longest first, so that "YYYY" is one token rather than two "YY".
const layoutPattern = /\[([^\]]*)\]|YYYY|YY|MM|M|DD|D|HH|mm|ss|\[/g;

/**
 * Compiles a layout once; the result formats an ISO 8601 text, or gives undefined when the text
 * is not one. The time prints as written, offset ignored: HR dates are local calendar dates, and
 * converting "2024-03-01T00:30+01:00" to UTC would move a start date to the day before.
 */
export function compileDateLayout(layout: string): (text: string) => string | undefined {
  const parts: Array<string | ((date: IsoDateTime) => string)> = [];
  let literalFrom = 0;
  let hasToken = false;
  for (const match of layout.matchAll(layoutPattern)) {
    const [text, bracketed] = match;
    if (text === '[') throw new DateLayoutError(`a [ in the date layout "${layout}" is not closed`);
    parts.push(layout.slice(literalFrom, match.index) + (bracketed ?? ''));
    if (bracketed === undefined) {
      parts.push(tokens[text]!);
      hasToken = true;
    }
    literalFrom = match.index + text.length;
  }
  parts.push(layout.slice(literalFrom));
  if (!hasToken) {
    throw new DateLayoutError(`the date layout "${layout}" has no date token; use ${Object.keys(tokens).join(', ')}, e.g. "YYYY-MM-DD"`);
  }
  const nonEmpty = parts.filter((part) => part !== '');
  return (text) => {
    const date = readIsoDateTime(text);
    if (!date) return undefined;
    let formatted = '';
    for (const part of nonEmpty) formatted += typeof part === 'string' ? part : part(date);
    return formatted;
  };
}
