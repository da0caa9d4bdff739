import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './codec.ts';
import type { EncryptionKey } from './keys.ts';

const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * What every worker, client and replayer of Tenure's workflows converts payloads with: encrypted
 * when keys are configured, Temporal's default otherwise (the sandbox). Every party must agree, or
 * one reads ciphertext where it expects a record. Failure messages are moved into an encrypted
 * payload too; Temporal keeps only "Encoded failure" and the failure's type in clear.
 */
export function tenureDataConverter(keys: readonly EncryptionKey[] | undefined): DataConverter | undefined {
  return keys ? { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH } : undefined;
}
