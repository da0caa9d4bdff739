import type { FastifyInstance, FastifyReply } from 'fastify';
import { ScimError, scimErrorBody } from '../scim/errors.ts';

/** RFC 7644 §3.1: SCIM messages are application/scim+json. */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function sendScimError(reply: FastifyReply, error: ScimError): FastifyReply {
  return reply.code(error.status).type(SCIM_CONTENT_TYPE).send(scimErrorBody(error.status, error.message, error.scimType));
}

/** Answers 405 with `Allow` for the methods a path does not take (RFC 7644 §3.2 names none for discovery writes). */
export function refuseOtherMethods(app: FastifyInstance, url: string, allowed: string[]): void {
  const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => !allowed.includes(method));
  app.route({
    method: others as Array<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>,
    url,
    // Answered before the body is read: whatever was sent to a method the path does not take, it is 405.
    onRequest: async (request, reply) => {
      reply.header('allow', allowed.join(', '));
      return sendScimError(reply, new ScimError(405, undefined, `${request.method} is not supported here; this endpoint takes ${allowed.join(', ')}`));
    },
    handler: async () => {},
  });
}

