import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AesGcmPayloadCodec, PayloadDecryptionError } from '../payload-encryption/codec.ts';
import type { EncryptionKey } from '../payload-encryption/keys.ts';

/**
 * /codec/encode and /codec/decode: Temporal's codec server protocol, so that the Temporal UI and
 * `temporal … --codec-endpoint` show the records Tenure encrypted to operators who hold the token.
 * Bodies are proto3 JSON: `{ "payloads": [ { "metadata": { name: base64 }, "data": base64 } ] }`.
 */

export interface CodecRouteOptions {
  keys: readonly EncryptionKey[];
  /** The bearer token callers must send (TENURE_CODEC_TOKEN). */
  token: string;
  /** Temporal UI origins whose pages may call the endpoint from the browser. */
  corsOrigins: readonly string[];
}

export const CODEC_PREFIX = '/codec';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const base64 = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;
const payloadsSchema = {
  type: 'object',
  required: ['payloads'],
  properties: {
    payloads: {
      type: 'array',
      items: { type: 'object', properties: { metadata: { type: 'object', additionalProperties: base64 }, data: base64 } },
    },
  },
} as const;
const routeSchema = { body: payloadsSchema, response: { 200: payloadsSchema } };

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

/** The UI calls from its own origin: preflights and answers carry CORS headers for the allowed ones only. */
function allowOrigin(request: FastifyRequest, reply: FastifyReply, origins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined || !origins.includes(origin)) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
}

function answerCodecError(error: FastifyError | PayloadDecryptionError, request: FastifyRequest, reply: FastifyReply) {
  // Names a key id at most; never a payload, which is what the endpoint guards.
  if (error instanceof PayloadDecryptionError) return reply.code(422).send({ error: error.message });
  const status = 'statusCode' in error && error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) {
    request.log.error({ err: { type: error.name } }, 'codec endpoint failed');
    return reply.code(500).send({ error: 'the codec endpoint could not convert the payloads' });
  }
  if ('validation' in error && error.validation) return reply.code(400).send({ error: `the body must be {"payloads": [{"metadata": {name: base64}, "data": base64}]}: ${error.message}` });
  return reply.code(status).send({ error: error.message });
}

export const codecRoute: FastifyPluginAsync<CodecRouteOptions> = async (app, { keys, token, corsOrigins }) => {
  if (token === '') throw new Error('the codec endpoint token is empty: every request would be let in');
  const codec = new AesGcmPayloadCodec(keys);
  const expected = digest(`Bearer ${token}`);

  app.addHook('onRequest', async (request, reply) => {
    allowOrigin(request, reply, corsOrigins);
    // A browser's preflight never carries credentials; it learns only which headers it may send.
    if (request.method === 'OPTIONS') return;
    const given = request.headers.authorization ?? '';
    // Digests are compared, so the comparison takes as long whatever the length of what was sent.
    if (!timingSafeEqual(digest(given), expected)) {
      return reply.code(401).send({ error: 'missing or wrong Authorization header: send "Authorization: Bearer <TENURE_CODEC_TOKEN>"' });
    }
  });
  app.setErrorHandler(answerCodecError);

  app.options(`${CODEC_PREFIX}/:operation`, async (_request, reply) => {
    reply.header('access-control-allow-methods', 'POST');
    reply.header('access-control-allow-headers', 'authorization, content-type, x-namespace');
    reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  });

  for (const operation of ['encode', 'decode'] as const) {
    app.post(`${CODEC_PREFIX}/${operation}`, { schema: routeSchema }, async (request) => {
      const payloads = (request.body as { payloads: JsonPayload[] }).payloads.map(fromJson);
      return { payloads: (await codec[operation](payloads)).map(toJson) };
    });
  }
};
