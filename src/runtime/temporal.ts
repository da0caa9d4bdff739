import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { tenureSearchAttributes } from './search-attributes.ts';
import { temporalConnectionOptions, type TemporalTls } from './temporal-tls.ts';

const INDEXED_VALUE_TYPE = {
  KEYWORD: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/** Registers Tenure's search attributes on the namespace, leaving existing ones alone. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = tenureSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type as 'KEYWORD']])),
  });
}

/** Temporal did not answer; `tried` says how long it was given, for a message that sets expectations. */
export class TemporalUnreachableError extends Error {
  readonly tried: string;

  constructor(
    readonly address: string,
    attempts: number,
    connectTimeout: number,
    cause: unknown,
  ) {
    const seconds = `${connectTimeout / 1000} s`;
    const tried = attempts === 1 ? `no answer within ${seconds}` : `no answer in ${attempts} attempts of ${seconds}`;
    super(`Temporal at ${address} did not answer (${tried}): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.tried = tried;
  }
}

/**
 * Connects to Temporal, retrying while a server that was just started comes up. Each attempt waits
 * `connectTimeout` ms; between attempts it pauses half a second, and after the last it gives up at once.
 * `tls` defaults to the TEMPORAL_TLS_* settings (src/runtime/temporal-tls.ts); null connects without TLS.
 */
export async function connectTemporal(
  address: string,
  options: { attempts?: number; connectTimeout?: number; isAlive?: () => boolean; tls?: TemporalTls | null } = {},
): Promise<Connection> {
  const attempts = options.attempts ?? 120;
  const connectTimeout = options.connectTimeout ?? 1_000;
  // Read once: a wrong file is said now, not as one failed attempt after another.
  const connectionOptions = temporalConnectionOptions(address, options.tls);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.isAlive && !options.isAlive()) break;
    try {
      const connection = await Connection.connect({ ...connectionOptions, connectTimeout });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      lastError = error;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new TemporalUnreachableError(address, attempts, connectTimeout, lastError);
}
