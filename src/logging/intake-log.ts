import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { newCorrelationId } from './correlation-context.ts';
import { saneCorrelationId } from './correlation-header.ts';

/** The header a caller may name its request by, and in which the intake answers the id it used. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A request by its route pattern (`/scim/v2/:integration/Users/:id`), never its URL: a URL may carry a SCIM id or a filter with someone's name. */
export const routePattern = (request: FastifyRequest): string => request.routeOptions.url ?? 'unmatched';

/**
 * One line per request, when it is answered: method, route pattern, status and time taken, with
 * the request's correlation id. Fastify's own lines would log the raw URL and the caller's
 * address, and a line as the request comes in as well.
 */
class RouteLogController extends Fastify.LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: request.method, route: routePattern(request), status: reply.statusCode, durationMs: Math.round(reply.elapsedTime) };
    if (error || reply.statusCode >= 500) reply.log.error({ ...fields, err: error ?? undefined }, 'request failed');
    else reply.log.info(fields, 'request completed');
  }

  // Fastify's own lines carry the raw URL: the error is said by route, a route not found by the completed line.
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) reply.log.error({ route: routePattern(request), err: error }, 'request handler failed');
  }

  override routeNotFound(): void {}
}

/**
 * Fastify options that log through `logger` and name each request by the caller's X-Request-Id
 * when it is sane (token characters, at most 128), otherwise by a new id.
 */
export function intakeLogOptions(logger: Logger | undefined): Pick<FastifyServerOptions, 'loggerInstance' | 'logController' | 'requestIdHeader' | 'genReqId'> {
  return {
    ...(logger ? { loggerInstance: logger.child({ component: 'intake' }) } : {}),
    logController: new RouteLogController({ requestIdLogLabel: 'correlationId' }),
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => saneCorrelationId(request.headers[REQUEST_ID_HEADER]) ?? newCorrelationId(),
  };
}
