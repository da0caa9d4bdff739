import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * How a hook (the HR webhook, Okta's event hook) answers an error its handler did not answer
 * itself. Fastify's own refusals (413, 415 …) get the same body shape as the hook's, and say what
 * to change; anything else is a delivery Temporal did not take, which the sender may safely send
 * again. Each hook sets it inside its own plugin, so it answers for that hook's routes only: the
 * SCIM routes answer theirs as SCIM Error messages, and no other route claims to have lost events.
 */
export function answerHookError(error: Pick<FastifyError, 'message'> & { statusCode?: number; code?: string }, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 503;
  if (status === 503) {
    request.log.error(error);
    return reply.code(503).send({
      error: 'Tenure could not hand the events to Temporal; nothing was lost. Send the same request again: events already handed over are dropped as duplicates',
    });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    return reply.code(413).send({ error: `the body is larger than the intake's limit of ${limit / 1024 / 1024} MiB (${limit} bytes): send fewer events per request` });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const given = request.headers['content-type'];
    return reply.code(415).send({ error: `the body must be JSON, sent with content-type: application/json (this request has ${given ? `content-type: ${given}` : 'none'})` });
  }
  return reply.code(status).send({ error: error.message });
}
