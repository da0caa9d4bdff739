/** What every line carries, which a person at a terminal does not need repeated on each. */
const UNSHOWN = new Set(['time', 'level', 'message', 'role', 'pid', 'hostname']);

const shown = (value: unknown): string => (typeof value === 'string' && /^\S+$/.test(value) ? value : JSON.stringify(value));

/**
 * A structured log line as a person reads it: time, level, message, then the fields as
 * `name=value`, the way the Temporal SDK's own logger writes to a terminal.
 */
export function textLine(json: string): string {
  const { time, level, message, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const rest = Object.entries(fields)
    .filter(([name]) => !UNSHOWN.has(name))
    .map(([name, value]) => `${name}=${shown(value)}`);
  return [String(time), `[${String(level).toUpperCase()}]`, String(message ?? ''), ...rest].join(' ').trimEnd();
}
