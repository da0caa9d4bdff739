import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import { AesGcmPayloadCodec, PayloadDecryptionError } from '../payload-encryption/codec.ts';
import type { EncryptionKey } from '../payload-encryption/keys.ts';
import type { TenureConfig } from '../runtime/config.ts';
import { HttpRefusal, oidcTokenVerifier } from './oidc-token.ts';

/**
 * /codec/encode and /codec/decode: Temporal's codec server protocol, so that the Temporal UI and
 * `temporal … --codec-endpoint` show the records Tenure encrypted to operators who hold the token.
 * Bodies are proto3 JSON: `{ "payloads": [ { "metadata": { name: base64 }, "data": base64 } ] }`.
 */

export interface CodecRouteOptions {
  keys: readonly EncryptionKey[];
  /** A bearer token that decodes (TENURE_CODEC_TOKEN): for the temporal CLI and scripts. */
  token: string | undefined;
  /**
   * Operators signed in to the Temporal UI with Okta: the UI passes their access token
   * (TEMPORAL_CODEC_PASS_ACCESS_TOKEN), checked here, and decodes for those listed only.
   */
  readers?: CodecReaders;
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

export interface CodecReaders {
  verify: (authorization: string | undefined) => Promise<JWTPayload>;
  /** Okta logins (the access token's `sub`), compared whatever their case. */
  people: readonly string[];
  /** Names in the access token's `groups` claim (Okta's authorization server adds it when asked to). */
  groups: readonly string[];
}

/** Why a signed-in person may not read, or undefined when they may. */
function notAReader(readers: CodecReaders, claims: JWTPayload): string | undefined {
  const lower = (names: readonly unknown[]) => new Set(names.filter((name): name is string => typeof name === 'string').map((name) => name.toLowerCase()));
  const person = typeof claims.sub === 'string' ? claims.sub.toLowerCase() : undefined;
  if (person !== undefined && lower(readers.people).has(person)) return undefined;
  const groups = lower(Array.isArray(claims.groups) ? claims.groups : []);
  if ([...lower(readers.groups)].some((group) => groups.has(group))) return undefined;
  return 'the person signed in may not read Tenure\'s records: they are neither in TENURE_CODEC_READERS nor in a group of TENURE_CODEC_READER_GROUPS';
}

/** A JWT has three dot-separated parts; a codec token is one opaque string. */
const looksLikeJwt = (authorization: string) => /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(authorization);

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

export const codecRoute: FastifyPluginAsync<CodecRouteOptions> = async (app, { keys, token, readers, corsOrigins }) => {
  if (token === '') throw new Error('the codec endpoint token is empty: every request would be let in');
  if (token === undefined && (readers === undefined || readers.people.length + readers.groups.length === 0)) throw new Error('the codec endpoint has neither a token nor readers: nobody could decode');
  const codec = new AesGcmPayloadCodec(keys);
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);

  app.addHook('onRequest', async (request, reply) => {
    allowOrigin(request, reply, corsOrigins);
    // A browser's preflight never carries credentials; it learns only which headers it may send.
    if (request.method === 'OPTIONS') return;
    const given = request.headers.authorization ?? '';
    // Digests are compared, so the comparison takes as long whatever the length of what was sent.
    if (expected && timingSafeEqual(digest(given), expected)) return;
    if (readers && looksLikeJwt(given)) {
      let claims: JWTPayload;
      try {
        claims = await readers.verify(given);
      } catch (error) {
        if (error instanceof HttpRefusal) return reply.code(error.statusCode).send({ error: error.message });
        throw error;
      }
      const refusal = notAReader(readers, claims);
      if (refusal) return reply.code(403).send({ error: refusal });
      return;
    }
    const ways = [...(expected ? ['"Authorization: Bearer <TENURE_CODEC_TOKEN>"'] : []), ...(readers ? ['an Okta access token of a reader (the Temporal UI passes it)'] : [])];
    return reply.code(401).send({ error: `missing or wrong Authorization header: send ${ways.join(', or ')}` });
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

/**
 * The codec endpoint as configured: with the token, the readers (who sign in with `issuer`, the
 * issuer operators sign in with), or both; undefined when there is nothing to decrypt or nobody
 * who could.
 */
export function codecSetup(config: Pick<TenureConfig, 'encryptionKeys' | 'codecToken' | 'codecReaders' | 'codecOidcAudience' | 'codecCorsOrigins'>, issuer: string | undefined): CodecRouteOptions | undefined {
  const { encryptionKeys: keys, codecToken: token, codecReaders } = config;
  const people = codecReaders.people ?? [];
  const groups = codecReaders.groups ?? [];
  const named = people.length + groups.length > 0;
  if (named && !keys) throw new Error('TENURE_CODEC_READERS or TENURE_CODEC_READER_GROUPS is set but TENURE_ENCRYPTION_KEYS is not: there is nothing to decrypt; set the keys, or neither');
  if (named && !issuer) throw new Error('TENURE_CODEC_READERS or TENURE_CODEC_READER_GROUPS is set but TENURE_OIDC_ISSUER is not: readers sign in with Okta; set the issuer');
  if (!keys || (!token && !named)) return undefined;
  const readers = named
    ? {
        verify: oidcTokenVerifier({ issuer: issuer!, audience: config.codecOidcAudience, signInHint: 'sign in to the Temporal UI again', audienceName: `the authorization server (${config.codecOidcAudience})`, tokenName: 'access token' }),
        people,
        groups,
      }
    : undefined;
  return { keys, token, readers, corsOrigins: config.codecCorsOrigins };
}
