import okta from '@okta/okta-sdk-nodejs';
import { watchHealth, type OktaHealth } from './health.ts';
import { PacingRequestExecutor } from './pacing.ts';
import { ServiceAppAuthorization, type OktaServiceApp } from './service-app-auth.ts';

/** An org, and either an SSWS API token or a service app to call it with. */
export type OktaConnection = { orgUrl: string; token: string } | { orgUrl: string; serviceApp: OktaServiceApp };

export type OktaClient = InstanceType<typeof okta.Client>;

export type RequestExecutor = InstanceType<typeof okta.RequestExecutor>;

export interface OktaClientOptions {
  /** A pacer to read its counts, or the SDK's own retrying executor; by default each client paces itself. */
  requestExecutor?: RequestExecutor;
  /** Told of every answer, to say once when Okta starts failing and once when it recovers. */
  health?: OktaHealth;
}

/**
 * A client whose requests are paced by Okta's rate-limit headers and never retried inside the
 * call (src/okta/pacing.ts): Temporal retries the activity instead.
 * The SDK's default cache middleware serves a user from memory after it was changed elsewhere
 * (by another worker, or by Okta itself), and Tenure decides on what it reads, so it is off.
 */
export function createOktaClient(connection: OktaConnection, options: OktaClientOptions = {}): OktaClient {
  const requestExecutor = options.requestExecutor ?? new PacingRequestExecutor();
  if (options.health) watchHealth(requestExecutor, options.health);
  if ('token' in connection) {
    return new okta.Client({ orgUrl: connection.orgUrl, token: connection.token, requestExecutor, cacheMiddleware: null });
  }
  const { serviceApp } = connection;
  const client = new okta.Client({
    orgUrl: connection.orgUrl,
    authorizationMode: 'PrivateKey',
    clientId: serviceApp.clientId,
    scopes: serviceApp.scopes,
    privateKey: serviceApp.privateKey,
    keyId: serviceApp.keyId,
    requestExecutor,
    cacheMiddleware: null,
  });
  const authorization = new ServiceAppAuthorization(client.baseUrl, serviceApp, requestExecutor);
  client.oauth = client.http.oauth = authorization as unknown as OktaClient['oauth'];
  client.http.prepareRequest = (request) => authorization.authorize(request);
  return client;
}
