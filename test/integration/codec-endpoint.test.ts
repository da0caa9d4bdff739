import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec } from '../../src/payload-encryption/codec.ts';
import { buildIntakeServer } from '../../src/server/intake.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { OPERATOR_LOGIN, signInOperator } from '../helpers/operator.ts';
import { startTestStack } from '../helpers/stack.ts';
import { testEncryptionKeys } from '../helpers/test-encryption-keys.ts';

const TOKEN = 'codec-endpoint-test-token-of-32-bytes-or-more';
const UI = 'http://localhost:8233';
const RECORD = { first_name: 'Aurélie', last_name: 'Thorsdottir', manager_email: 'margarethe.vonstein@example.com' };

let intake: FastifyInstance;
let url: string;

const hr = { secret: 'unused-hr-secret-of-32-bytes-or-more', keyAttribute: undefined, deliver: async () => 'unused' };

beforeAll(async () => {
  intake = buildIntakeServer({ hr, okta: undefined, codec: { keys: testEncryptionKeys(), token: TOKEN, corsOrigins: [UI] } });
  url = await intake.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await intake?.close();
});

/** A payload as the Temporal UI and CLI send it: proto3 JSON, every bytes field in base64. */
function asJson(payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

async function encryptedRecordJson() {
  const [encrypted] = await new AesGcmPayloadCodec(testEncryptionKeys()).encode([defaultPayloadConverter.toPayload(RECORD)!]);
  return asJson(encrypted!);
}

const post = (operation: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  fetch(`${url}/codec/${operation}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI, ...headers }, body: JSON.stringify(body) });

describe("the intake's codec endpoint (Temporal's codec server protocol)", () => {
  it('decodes what the workers encrypted, for a caller with the token', async () => {
    const response = await post('decode', { payloads: [await encryptedRecordJson()] });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI);
    const { payloads } = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString('utf8'))).toEqual(RECORD);
  });

  it('encodes as the workers do, so that a value the UI or CLI sends (a signal) reaches a workflow encrypted', async () => {
    const plain = asJson(defaultPayloadConverter.toPayload(RECORD)!);
    const response = await post('encode', { payloads: [plain] });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(payloads[0]!.data, 'base64').toString('utf8')).not.toContain('Thorsdottir');
    const decoded = await new AesGcmPayloadCodec(testEncryptionKeys()).decode([{ metadata: { encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from(payloads[0]!.metadata['encryption-key-id']!, 'base64') }, data: Buffer.from(payloads[0]!.data, 'base64') }]);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual(RECORD);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-codec-token-but-just-as-long-as-it' }],
    ['the token without "Bearer"', { authorization: TOKEN }],
  ])('answers 401 and decodes nothing for %s', async (_what, headers) => {
    const response = await post('decode', { payloads: [await encryptedRecordJson()] }, headers);
    expect(response.status).toBe(401);
    const body = await response.text();
    expect(body).toContain('TENURE_CODEC_TOKEN');
    expect(body).not.toContain(Buffer.from('Thorsdottir').toString('base64').slice(0, 12));
    expect(body).not.toContain('Thorsdottir');
  });

  it("answers the Temporal UI's CORS preflight without a token, for the configured origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    const allowed = await preflight(UI);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('says what is wrong with a payload it cannot decrypt or a body that is not payloads, naming no key', async () => {
    const tampered = await encryptedRecordJson();
    tampered.data = Buffer.from(Buffer.from(tampered.data, 'base64').map((byte, index) => (index === 20 ? byte ^ 1 : byte))).toString('base64');
    const refused = await post('decode', { payloads: [tampered] });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toMatch(/key "test-2025" failed its integrity check/);
    const malformed = await post('decode', { payload: [] });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/payloads/);
  });

  it('is not served when no token is configured', async () => {
    const without = buildIntakeServer({ hr, okta: undefined });
    try {
      const response = await without.inject({ method: 'POST', url: '/codec/decode', headers: { 'content-type': 'application/json' }, payload: { payloads: [] } });
      expect(response.statusCode).toBe(404);
    } finally {
      await without.close();
    }
  });
});

/*
 * The Temporal UI cannot send a static token: signed in with Okta, it passes the operator's access
 * token (TEMPORAL_CODEC_PASS_ACCESS_TOKEN). The intake checks it against the issuer operators sign
 * in with (the emulator here) and decodes for the readers configured, and for nobody else.
 */
describe('the codec endpoint for operators signed in with Okta', () => {
  let stack: TenureStack;

  beforeAll(async () => {
    stack = await startTestStack({ encryptionKeys: testEncryptionKeys(), codecReaders: { people: [OPERATOR_LOGIN.toUpperCase()], groups: [] } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const decode = async (authorization: string) =>
    fetch(`${stack.intakeUrl}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ payloads: [await encryptedRecordJson()] }),
    });

  it("decodes for a reader's access token, and for nobody else's", async () => {
    const reader = await signInOperator(stack);
    const allowed = await decode(`Bearer ${reader.accessToken}`);
    expect(allowed.status).toBe(200);
    const { payloads } = (await allowed.json()) as { payloads: Array<{ data: string }> };
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString('utf8'))).toEqual(RECORD);

    const other = await signInOperator(stack, 'someone.else@example.com');
    const refused = await decode(`Bearer ${other.accessToken}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('may not read Tenure\'s records: they are neither in TENURE_CODEC_READERS nor in a group of TENURE_CODEC_READER_GROUPS');

    // The ID token is for Tenure's operator app, not for the authorization server: not a UI's token.
    const idToken = await decode(`Bearer ${reader.token}`);
    expect(idToken.status).toBe(401);
    expect(await idToken.text()).toContain('the token was issued to another application, not to the authorization server (api://default)');
    // Without a codec token configured, a made-up bearer is simply not a sign-in.
    expect((await decode('Bearer not-a-token-at-all')).status).toBe(401);
  });
});
