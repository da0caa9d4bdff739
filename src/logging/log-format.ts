/** How Tenure writes its log lines: one JSON object per line, or a line a person reads. */
export const logFormats = ['json', 'text'] as const;
export type LogFormat = (typeof logFormats)[number];

/** TENURE_LOG_FORMAT, or undefined when unset (the process's role then chooses: `defaultLogFormat`). */
export function logFormatFrom(raw: string | undefined): LogFormat | undefined {
  if (raw === undefined || raw === '') return undefined;
  const format = raw.toLowerCase();
  if (!(logFormats as readonly string[]).includes(format)) throw new Error(`TENURE_LOG_FORMAT must be ${logFormats.join(' or ')}, got "${raw}"`);
  return format as LogFormat;
}

/**
 * A `--role worker` or `--role intake` process runs where a log shipper reads its output, and a
 * shipper wants one object per line; the one-process sandbox runs in a terminal that a newcomer
 * reads, so it stays text.
 */
export function defaultLogFormat(role: string): LogFormat {
  return role === 'all' ? 'text' : 'json';
}
