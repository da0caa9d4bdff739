import { randomBytes } from 'node:crypto';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, encodeErrorToFailure, encodeToPayload, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { tenureDataConverter } from '../../src/payload-encryption/data-converter.ts';
import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError } from '../../src/payload-encryption/codec.ts';
import { encryptionKeysFrom } from '../../src/payload-encryption/keys.ts';
import { loadConfig } from '../../src/runtime/config.ts';

const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const RECORD = { firstName: 'Zoë', lastName: 'Okafor', email: 'zoe.okafor@example.com', manager: 'ines.duarte@example.com' };

const keys = (setting: string) => encryptionKeysFrom(setting)!;
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value)!;
const fromPayload = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/** Everything a reader of the stored payload sees, metadata and data, as text. */
const visible = (payload: Payload) => [...Object.entries(payload.metadata ?? {}).map(([name, value]) => `${name}=${text(value)}`), text(payload.data)].join(' ');

describe('the AES-256-GCM payload codec', () => {
  it('round-trips a record, hiding its values and its encoding, and naming the key it used', async () => {
    const codec = new AesGcmPayloadCodec(keys(`k1:${NEW}`));
    const [encrypted] = await codec.encode([toPayload(RECORD)]);
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata![KEY_ID_METADATA])).toBe('k1');
    for (const value of [...Object.values(RECORD), 'json/plain']) expect(visible(encrypted!)).not.toContain(value);
    const [decrypted] = await codec.decode([encrypted!]);
    expect(fromPayload(decrypted!)).toEqual(RECORD);
    expect(text(decrypted!.metadata!.encoding)).toBe('json/plain');
  });

  it('uses a fresh IV for each payload, so equal records do not look equal', async () => {
    const codec = new AesGcmPayloadCodec(keys(`k1:${NEW}`));
    const [first, second] = await codec.encode([toPayload(RECORD), toPayload(RECORD)]);
    expect(Buffer.from(first!.data!).subarray(0, 12).equals(Buffer.from(second!.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
  });

  it('still decrypts payloads of an older key once a new one is put first, and encrypts new ones with the new key', async () => {
    const [underOld] = await new AesGcmPayloadCodec(keys(`old:${OLD}`)).encode([toPayload(RECORD)]);
    const rotated = new AesGcmPayloadCodec(keys(`new:${NEW},old:${OLD}`));
    expect(fromPayload((await rotated.decode([underOld!]))[0]!)).toEqual(RECORD);
    const [underNew] = await rotated.encode([toPayload(RECORD)]);
    expect(text(underNew!.metadata![KEY_ID_METADATA])).toBe('new');
  });

  it('refuses a payload of a key it does not hold, naming the key id only', async () => {
    const [underOld] = await new AesGcmPayloadCodec(keys(`old:${OLD}`)).encode([toPayload(RECORD)]);
    const error = await new AesGcmPayloadCodec(keys(`new:${NEW}`)).decode([underOld!]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as Error).message).toMatch(/key "old", which TENURE_ENCRYPTION_KEYS does not hold/);
    expect((error as Error).message).not.toContain(OLD);
    expect((error as Error).message).not.toContain(NEW);
  });

  it('refuses a payload whose ciphertext was altered, or that a different key under the same id encrypted', async () => {
    const codec = new AesGcmPayloadCodec(keys(`k1:${NEW}`));
    const [encrypted] = await codec.encode([toPayload(RECORD)]);
    const tampered = Buffer.from(encrypted!.data!);
    tampered[20]! ^= 1;
    await expect(codec.decode([{ ...encrypted!, data: tampered }])).rejects.toThrow(/key "k1" failed its integrity check/);
    await expect(new AesGcmPayloadCodec(keys(`k1:${OLD}`)).decode([encrypted!])).rejects.toThrow(/key "k1" failed its integrity check/);
  });

  it('passes payloads written before encryption through decode, and does not encrypt a payload twice', async () => {
    const codec = new AesGcmPayloadCodec(keys(`k1:${NEW}`));
    const plain = toPayload(RECORD);
    expect(await codec.decode([plain])).toEqual([plain]);
    const [encrypted] = await codec.encode([plain]);
    expect(await codec.encode([encrypted!])).toEqual([encrypted]);
  });
});

describe("Tenure's data converter", () => {
  it('is Temporal default without keys, so that the sandbox stores what it always stored', () => {
    expect(tenureDataConverter(undefined)).toBeUndefined();
  });

  it('encrypts values and error messages, which Temporal keeps beside the payloads, and reads both back', async () => {
    const converter = loadDataConverter(tenureDataConverter(keys(`k1:${NEW}`)));
    const payload = await encodeToPayload(converter, RECORD);
    expect(visible(payload)).not.toContain('Okafor');
    const error = ApplicationFailure.nonRetryable(`userName ${RECORD.email} is taken in Kestra`, 'LoginTaken');
    const failure = await encodeErrorToFailure(converter, error);
    const stored = JSON.stringify(failure, (_name, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
    expect(stored).not.toContain(RECORD.email);
    // The type stays in clear: retry policies and the UI go by it.
    expect(failure.applicationFailureInfo?.type).toBe('LoginTaken');
    const decoded = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(decoded?.message).toBe(`userName ${RECORD.email} is taken in Kestra`);
  });
});

describe('TENURE_ENCRYPTION_KEYS', () => {
  it('lists keys newest first; unset or empty is encryption off', () => {
    expect(encryptionKeysFrom(` new:${NEW} , old:${OLD}`)!.map(({ id, key }) => [id, key.length])).toEqual([['new', 32], ['old', 32]]);
    expect(encryptionKeysFrom(undefined)).toBeUndefined();
    expect(encryptionKeysFrom('  ')).toBeUndefined();
    expect(loadConfig({}).encryptionKeys).toBeUndefined();
  });

  it.each([
    ['a key without an id', NEW, /entry 1 has no key id/],
    ['a key id with a space', `my key:${NEW}`, /entry 1 has a key id that is not/],
    ['a key that is not base64', `k1:${NEW.slice(0, -4)}!!!!`, /key "k1" is not base64/],
    ['a 16-byte key', `k1:${randomBytes(16).toString('base64')}`, /key "k1" is 16 bytes; AES-256 needs 32/],
    ['an id listed twice', `k1:${NEW},k1:${OLD}`, /key id "k1" is listed twice/],
    ['a second entry without an id', `k1:${NEW},${OLD}`, /entry 2 has no key id/],
  ])('refuses %s at start, without quoting any key', (_what, setting, message) => {
    let error: Error | undefined;
    try {
      loadConfig({ TENURE_ENCRYPTION_KEYS: setting });
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error!.message).toContain('TENURE_ENCRYPTION_KEYS');
    for (const secret of [NEW, OLD, NEW.slice(0, 16), OLD.slice(0, 16)]) expect(error!.message).not.toContain(secret);
  });

  it('serves the codec endpoint only with keys and a token of 32 bytes or more', () => {
    expect(() => loadConfig({ TENURE_CODEC_TOKEN: 'x'.repeat(40) })).toThrow(/TENURE_CODEC_TOKEN is set but TENURE_ENCRYPTION_KEYS is not/);
    expect(() => loadConfig({ TENURE_ENCRYPTION_KEYS: `k1:${NEW}`, TENURE_CODEC_TOKEN: 'short-token' })).toThrow(/TENURE_CODEC_TOKEN is shorter than 32 bytes/);
    expect(() => loadConfig({ TENURE_ENCRYPTION_KEYS: `k1:${NEW}`, TENURE_CODEC_TOKEN: 'short-token' })).not.toThrow(/short-token/);
    expect(loadConfig({}).codecCorsOrigins).toEqual(['http://localhost:8233']);
    expect(loadConfig({ TENURE_CODEC_CORS_ORIGINS: 'https://temporal.example.com, http://127.0.0.1:8233' }).codecCorsOrigins).toEqual(['https://temporal.example.com', 'http://127.0.0.1:8233']);
    expect(() => loadConfig({ TENURE_CODEC_CORS_ORIGINS: 'https://temporal.example.com/ui' })).toThrow(/is not an origin/);
  });
});
