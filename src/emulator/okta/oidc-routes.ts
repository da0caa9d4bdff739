import type { FastifyInstance, FastifyReply } from 'fastify';
import { activationAnswered, activationForm } from './activation-page.ts';
import { DeviceAuthorizations } from './device-authorization.ts';
import { acceptFormBodies, OAuthError } from './oauth.ts';
import { ACTIVATE_PATH, DEFAULT_SERVER_PATH, DEVICE_CODE_GRANT, OIDC_SCOPES, type OidcClientRegistration } from './oidc-clients.ts';
import { OidcSigner, type SignedInUser } from './oidc-signing.ts';
import { passwordMatches } from './password-hash.ts';
import { originOf } from './request.ts';
import type { OktaStore, UserRecord } from './store.ts';

/**
 * Okta's custom authorization server `default` for OpenID Connect, as far as a native app signing
 * a person in with the Device Authorization Grant sees it: discovery, the JWKS, the device
 * authorization and token endpoints, and the activation page where the person signs in with
 * their Okta username and password.
 */

export interface OidcRouteOptions {
  store: OktaStore;
  clients: readonly OidcClientRegistration[];
  now: () => number;
}

const issuerOf = (origin: string) => `${origin}${DEFAULT_SERVER_PATH}`;

/** The OpenID Provider metadata (OpenID Connect Discovery 1.0) of the `default` server at `origin`. */
function discoveryDocument(origin: string): Record<string, unknown> {
  const issuer = issuerOf(origin);
  return {
    issuer,
    // Required by the specification; the emulator serves no browser redirect flow behind it.
    authorization_endpoint: `${issuer}/v1/authorize`,
    token_endpoint: `${issuer}/v1/token`,
    jwks_uri: `${issuer}/v1/keys`,
    device_authorization_endpoint: `${issuer}/v1/device/authorize`,
    response_types_supported: ['code'],
    grant_types_supported: [DEVICE_CODE_GRANT],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: [...OIDC_SCOPES],
    token_endpoint_auth_methods_supported: ['none'],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'auth_time', 'amr', 'name', 'preferred_username', 'email'],
  };
}

/** The scopes asked for, all of which the server must know, `openid` among them. */
function requestedScopes(raw: string | null): string[] {
  const scopes = [...new Set((raw ?? '').split(' ').filter((scope) => scope !== ''))];
  if (scopes.length === 0) throw new OAuthError(400, 'invalid_scope', "The authorization server resource does not have any configured default scopes, 'scope' must be provided.");
  if (!scopes.every((scope) => (OIDC_SCOPES as readonly string[]).includes(scope))) {
    throw new OAuthError(400, 'invalid_scope', 'One or more scopes are not configured for the authorization server resource.');
  }
  if (!scopes.includes('openid')) throw new OAuthError(400, 'invalid_scope', "The 'openid' scope is required for this grant.");
  return scopes;
}

function signedInUser(user: UserRecord): SignedInUser {
  const { login, email, firstName, lastName } = user.profile;
  return {
    id: user.id,
    login: String(login),
    email: typeof email === 'string' ? email : undefined,
    name: [firstName, lastName].filter((part) => typeof part === 'string' && part !== '').join(' '),
  };
}

function formOf(body: unknown): URLSearchParams {
  if (!(body instanceof URLSearchParams)) throw new OAuthError(400, 'invalid_request', 'The request must be sent as application/x-www-form-urlencoded.');
  return body;
}

/** OAuth refusals are JSON in RFC 6749's shape, never cached. */
function oauthAnswer(reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  return work().catch((error: unknown) => {
    if (!(error instanceof OAuthError)) throw error;
    return reply.code(error.status).type('application/json').send(error.toBody());
  });
}

export async function oidcRoutes(app: FastifyInstance, options: OidcRouteOptions): Promise<void> {
  const { store, now } = options;
  const clients = new Map(options.clients.map((client) => [client.clientId, client]));
  const devices = new DeviceAuthorizations(now);
  const signer = new OidcSigner();
  acceptFormBodies(app);

  const clientOf = (form: URLSearchParams) => {
    const clientId = form.get('client_id');
    if (clientId === null || !clients.has(clientId)) throw new OAuthError(401, 'invalid_client', 'Client authentication failed. Either the client or the client credentials are invalid.');
    return clientId;
  };

  app.get(`${DEFAULT_SERVER_PATH}/.well-known/openid-configuration`, async (request) => discoveryDocument(originOf(request)));
  app.get(`${DEFAULT_SERVER_PATH}/v1/keys`, async () => signer.jwks());

  app.post(`${DEFAULT_SERVER_PATH}/v1/device/authorize`, (request, reply) =>
    oauthAnswer(reply, async () => {
      const form = formOf(request.body);
      const clientId = clientOf(form);
      return devices.start(clientId, requestedScopes(form.get('scope')), `${originOf(request)}${ACTIVATE_PATH}`);
    }),
  );

  app.post(`${DEFAULT_SERVER_PATH}/v1/token`, (request, reply) =>
    oauthAnswer(reply, async () => {
      const form = formOf(request.body);
      const grantType = form.get('grant_type');
      if (grantType === null) throw new OAuthError(400, 'invalid_request', "The 'grant_type' parameter is missing.");
      if (grantType !== DEVICE_CODE_GRANT) throw new OAuthError(400, 'unsupported_grant_type', `The authorization grant type '${grantType}' is not supported by the authorization server.`);
      const clientId = clientOf(form);
      const { userId, scopes } = devices.redeem(form.get('device_code'), clientId);
      const user = store.findUser(userId);
      // Deactivated or deleted between signing in and the poll: no token for them.
      if (user === undefined || user.status !== 'ACTIVE') throw new OAuthError(400, 'invalid_grant', 'The user is not active.');
      return signer.issue({ issuer: issuerOf(originOf(request)), clientId, user: signedInUser(user), scopes, nowSeconds: Math.floor(now() / 1000) });
    }),
  );

  app.get<{ Querystring: { user_code?: string } }>(ACTIVATE_PATH, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return activationForm(request.query.user_code === undefined ? {} : { userCode: request.query.user_code });
  });

  app.post(ACTIVATE_PATH, async (request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const userCode = form.get('user_code') ?? '';
    const retry = (status: number, problem: string) => reply.code(status).send(activationForm({ userCode, problem }));
    if (devices.pending(userCode) === undefined) return retry(400, 'That code is not valid, or it has expired. Check the code on your device.');
    if (form.get('action') === 'deny') {
      devices.deny(userCode);
      return activationAnswered(false);
    }
    const user = store.findUser(form.get('username') ?? '');
    // One answer for an unknown user and a wrong password, as Okta gives: it does not tell who has an account.
    if (user === undefined || !passwordMatches(user.passwordHash, form.get('password') ?? '')) return retry(401, 'Unable to sign in: the username or password is not right.');
    if (user.status !== 'ACTIVE') return retry(403, `Unable to sign in: the account is ${user.status.toLowerCase().replaceAll('_', ' ')}.`);
    devices.allow(userCode, user.id);
    return activationAnswered(true);
  });
}
