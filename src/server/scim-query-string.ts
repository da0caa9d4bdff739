/**
 * A query string parser for SCIM filters. Fastify's decodes `+` as a space (form encoding), which
 * turns `userName eq "ana+tag@example.com"` into a different user. Here a `+` is a space only
 * between a filter's tokens, where clients that form-encode put it, and a literal `+` inside a
 * quoted value, where RFC 3986 says it is one; `%2B` is always `+` and `%20` always a space.
 */

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray `%` is taken as written rather than refusing the whole request.
    return segment;
  }
}

/** Whether `text` ends inside a double-quoted string (a backslash escapes the next character). */
function endsQuoted(text: string, quoted: boolean): boolean {
  for (let index = 0; index < text.length; index++) {
    if (quoted && text[index] === '\\') index++;
    else if (text[index] === '"') quoted = !quoted;
  }
  return quoted;
}

/** One raw value: decoded piece by piece between its `+`s (a `%XX` sequence never spans one). */
function decodeValue(raw: string): string {
  let out = '';
  let quoted = false;
  raw.split('+').forEach((segment, index) => {
    if (index > 0) out += quoted ? '+' : ' ';
    const text = decode(segment);
    quoted = endsQuoted(text, quoted);
    out += text;
  });
  return out;
}

export function parseScimQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeValue(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decodeValue(pair.slice(equals + 1));
    const previous = query[key];
    query[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return query;
}
