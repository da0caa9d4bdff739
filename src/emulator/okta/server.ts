import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import {
  OktaError,
  internalServerError,
  invalidToken,
  malformedBody,
  unsupportedMediaType,
  unsupportedMethod,
} from './errors.ts';
import { groupRoutes } from './groups.ts';
import { newRequestId } from './ids.ts';
import { OktaStore } from './store.ts';
import { SystemLog } from './system-log.ts';
import { userRoutes } from './users.ts';

export interface OktaEmulatorOptions {
  /** The API token clients must present as `Authorization: SSWS <token>`. */
  token: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
}

export interface OktaEmulator {
  /** The org URL to give the SDK, e.g. http://127.0.0.1:45123, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

function bearsToken(authorization: string | undefined, token: Buffer): boolean {
  if (authorization === undefined || !authorization.startsWith('SSWS ')) return false;
  const given = Buffer.from(authorization.slice('SSWS '.length));
  return given.length === token.length && timingSafeEqual(given, token);
}

/** Maps whatever went wrong to the Okta error a client would get for it. */
function asOktaError(error: FastifyError | OktaError): OktaError {
  if (error instanceof OktaError) return error;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType();
  if (error.statusCode !== undefined && error.statusCode < 500) return malformedBody();
  return internalServerError();
}

function buildApp(token: string, store: OktaStore): FastifyInstance {
  // Okta logins can be long, and they are sent percent-encoded in paths.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 1024 } });
  const expectedToken = Buffer.from(token);

  // Okta takes JSON only. The SDK sends `Content-Type: application/json` on bodyless POSTs too,
  // so an empty body is no body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(malformedBody(), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-okta-request-id', newRequestId());
    if (!bearsToken(request.headers.authorization, expectedToken)) throw invalidToken();
  });

  app.setErrorHandler<FastifyError | OktaError>((error, _request, reply) => {
    const oktaError = asOktaError(error);
    return reply.code(oktaError.status).type('application/json').send(oktaError.toBody());
  });

  app.setNotFoundHandler(() => {
    throw unsupportedMethod();
  });

  app.register(userRoutes, { store });
  app.register(groupRoutes, { store });
  return app;
}

/** Starts an emulated Okta org, empty but for the built-in Everyone group. */
export async function startOktaEmulator(options: OktaEmulatorOptions): Promise<OktaEmulator> {
  const host = options.host ?? '127.0.0.1';
  const app = buildApp(options.token, new OktaStore(new SystemLog()));
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () => app.close(),
  };
}
