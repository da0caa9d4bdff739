import type { FastifyRequest } from 'fastify';
import { tokenMatches } from '../../scim/token.ts';
import { bearer } from '../../server/scim-plugin.ts';

/** Whether the request carries `Authorization: Bearer <the token whose SHA-256 is tokenHash>`, compared in constant time. */
export function bearerMatches(request: FastifyRequest, tokenHash: string): boolean {
  return tokenMatches(bearer(request), tokenHash);
}
