import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LogActor } from './context.ts';
import { DpopProofError, verifyDpopProof } from './dpop.ts';
import type { EndpointFamily } from './endpoint-families.ts';
import { accessDenied, invalidToken } from './errors.ts';
import { SUPPORTED_ALGORITHMS } from './jws.ts';
import type { AccessTokenGrant, AuthorizationServer } from './oauth.ts';
import { originOf } from './request.ts';
import { acceptedScopes } from './scopes.ts';
import { SUPER_ADMIN_ACTOR } from './super-admin.ts';

/**
 * Who a management API request comes from. An SSWS token acts as the super admin who created it,
 * with every permission; an OAuth access token acts as its service app, within its scopes.
 */

/** The admin user the emulator's API token belongs to, as the System Log names them. */
export const API_TOKEN_ACTOR: LogActor = SUPER_ADMIN_ACTOR;

type TokenScheme = 'Bearer' | 'DPoP';

/** The request being authenticated, with what the emulator already knows of it. */
interface RequestTarget {
  request: FastifyRequest;
  reply: FastifyReply;
  family: EndpointFamily;
  path: string;
}

export class Authenticator {
  private readonly apiToken: Buffer;

  constructor(
    apiToken: string,
    private readonly authorizationServer: AuthorizationServer,
    private readonly now: () => number,
  ) {
    this.apiToken = Buffer.from(apiToken);
  }

  /** Whether the request carries the emulator's SSWS token. */
  hasApiToken(request: FastifyRequest): boolean {
    const authorization = request.headers.authorization;
    if (authorization === undefined || !authorization.startsWith('SSWS ')) return false;
    const given = Buffer.from(authorization.slice('SSWS '.length));
    return given.length === this.apiToken.length && timingSafeEqual(given, this.apiToken);
  }

  /** The actor of a management API request; throws the OktaError Okta answers to a bad credential or a missing scope. */
  authenticate(target: RequestTarget): LogActor {
    if (this.hasApiToken(target.request)) return API_TOKEN_ACTOR;
    const authorization = target.request.headers.authorization ?? '';
    const space = authorization.indexOf(' ');
    const scheme = authorization.slice(0, space);
    if (space === -1 || (scheme !== 'Bearer' && scheme !== 'DPoP')) throw invalidToken();
    const token = authorization.slice(space + 1);
    const grant = this.authorizationServer.grantOf(token);
    if (grant === undefined || (scheme === 'DPoP') !== (grant.boundKey !== undefined)) {
      this.challenge(target, scheme, 'invalid_token', 'The access token is invalid.');
      throw invalidToken();
    }
    if (scheme === 'DPoP') this.checkProofOfPossession(target, token, grant);
    this.checkScope(target, scheme, grant);
    return grant.actor;
  }

  private checkProofOfPossession(target: RequestTarget, token: string, grant: AccessTokenGrant): void {
    const proof = target.request.headers.dpop;
    try {
      if (typeof proof !== 'string') throw new DpopProofError('The DPoP proof JWT header is missing.');
      const thumbprint = verifyDpopProof(proof, {
        method: target.request.method,
        url: `${originOf(target.request)}${target.path}`,
        nowSeconds: Math.floor(this.now() / 1000),
        accessToken: token,
      });
      if (thumbprint !== grant.boundKey) throw new DpopProofError('The DPoP proof JWT key does not match the access token.');
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error;
      this.challenge(target, 'DPoP', 'invalid_dpop_proof', error.description);
      throw invalidToken();
    }
  }

  private checkScope(target: RequestTarget, scheme: TokenScheme, grant: AccessTokenGrant): void {
    const accepted = acceptedScopes(target.family, target.request.method);
    if (accepted === undefined || accepted.some((scope) => grant.scopes.has(scope))) return;
    this.challenge(target, scheme, 'insufficient_scope', 'The access token provided does not contain the required scopes.');
    throw accessDenied();
  }

  /** Okta names what is wrong with an OAuth credential in a `WWW-Authenticate` challenge beside its usual error body. */
  private challenge(target: RequestTarget, scheme: TokenScheme, error: string, description: string): void {
    const origin = originOf(target.request);
    const scope = acceptedScopes(target.family, target.request.method)?.[0];
    const params = [
      ...(scheme === 'DPoP' ? [`algs="${SUPPORTED_ALGORITHMS.join(' ')}"`] : []),
      `authorization_uri="${origin}/oauth2/v1/authorize"`,
      `realm="${origin}"`,
      ...(scope === undefined ? [] : [`scope="${scope}"`]),
      `error="${error}"`,
      `error_description="${description}"`,
      `resource="${target.path}"`,
    ];
    target.reply.header('www-authenticate', `${scheme} ${params.join(', ')}`);
  }
}
