import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { tenureSearchAttributes } from './search-attributes.ts';

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

/** Connects to Temporal, retrying while a server that was just started comes up. */
export async function connectTemporal(address: string, options: { attempts?: number; isAlive?: () => boolean } = {}): Promise<Connection> {
  const attempts = options.attempts ?? 120;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (options.isAlive && !options.isAlive()) break;
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`Temporal at ${address} did not answer: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
