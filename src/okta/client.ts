import okta from '@okta/okta-sdk-nodejs';

export interface OktaConnection {
  orgUrl: string;
  token: string;
}

export type OktaClient = InstanceType<typeof okta.Client>;

/**
 * The SDK's default cache middleware serves a user from memory after it was changed elsewhere
 * (by another worker, or by Okta itself), and Tenure decides on what it reads, so it is off.
 */
export function createOktaClient(connection: OktaConnection): OktaClient {
  return new okta.Client({
    orgUrl: connection.orgUrl,
    token: connection.token,
    cacheMiddleware: null,
  });
}
