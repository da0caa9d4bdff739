import type { FastifyRequest } from 'fastify';
import { currentRequestContext } from './context.ts';
import { malformedBody, resourceNotFound } from './errors.ts';

/** The scheme and host the client called, which links in answers must use. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.host}`;
}

/** A JSON object body; an absent body reads as `{}`, anything other than an object is malformed. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw malformedBody();
  return body as Record<string, unknown>;
}

/** An optional object member of a body, such as `profile` or `credentials`. */
export function optionalObject(value: unknown): Record<string, unknown> | undefined {
  return value === undefined ? undefined : objectBody(value);
}

/** A boolean query parameter: `true` or `false`, otherwise the default. */
export function booleanQuery(raw: string | undefined, defaultValue: boolean): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return defaultValue;
}

/**
 * The user a path names: `me` is the caller, when the caller is a user (an API token acts as its
 * admin); a service app is nobody's `me`, and Okta finds no such user.
 */
export function userOf(param: string): string {
  if (param !== 'me') return param;
  const actor = currentRequestContext()?.actor;
  if (actor?.type !== 'User') throw resourceNotFound(param, 'User');
  return actor.id;
}
