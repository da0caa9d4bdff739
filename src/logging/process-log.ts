import { hostname } from 'node:os';
import type { LogLevel } from '@temporalio/common';
import type { LogEntry } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import type { LogFormat } from './log-format.ts';
import { textLine } from './text-line.ts';

export interface ProcessLog {
  /** The structured logger: the intake's (Fastify's) and the worker's lines go through it. */
  logger: Logger;
  /** An operator's notice (Okta down, a SCIM change set aside): written whatever the level, as one log line. */
  notice(line: string): void;
  /** The Temporal Runtime's log function: the SDK's workflow, activity and worker lines, with their attributes. */
  temporal(entry: LogEntry): void;
}

/**
 * An error in a log line is its type and message. Its stack is left out: Temporal keeps the
 * failure for the UI, and a log line travels further than Temporal's history does.
 */
function errorFields(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  return { type: error.name, message: error.message };
}

/**
 * The process's log: one JSON object per line (time, level, message, the process's role, and
 * the line's fields), or the same as text. Lines go to `write` when given (tests read them),
 * else JSON to stdout, where a log shipper reads it, and text to stderr, where the SDK's own
 * lines always went.
 */
export function createProcessLog(options: { format: LogFormat; level: LogLevel; role: string; write?: (line: string) => void }): ProcessLog {
  const write = options.write ?? ((line: string) => (options.format === 'json' ? process.stdout : process.stderr).write(`${line}\n`));
  const destination = {
    // pino hands over each line with its newline.
    write: (chunk: string) => {
      const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
      write(options.format === 'json' ? line : textLine(line));
    },
  };
  const logger = pino(
    {
      level: options.level.toLowerCase(),
      base: { role: options.role, pid: process.pid, hostname: hostname() },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorFields, error: errorFields },
    },
    destination,
  );
  // Notices were always shown whatever TENURE_LOG_LEVEL said; at info, below a WARN level, they still are.
  const notices = logger.child({}, { level: 'info' });
  return {
    logger,
    notice: (line) => notices.info(line),
    temporal: ({ level, message, meta }) => logger[level.toLowerCase() as Lowercase<LogLevel>](meta ?? {}, message),
  };
}
