/**
 * The org's custom authorization server `default`, which Okta creates with every org, and the
 * OIDC apps that may sign people in through it. Only native (public) apps with the Device
 * Authorization grant are emulated: what a command-line tool such as `tenure login` uses.
 */

/** A native OIDC app as Okta's Admin Console sets it up: no client secret, the device grant. */
export interface OidcClientRegistration {
  clientId: string;
  /** The app's label; defaults to the client id. */
  name?: string;
}

/** The app the sandbox org is created with, through which operators sign in to decide. */
export const SANDBOX_OPERATOR_CLIENT_ID = 'tenure-operators';

export const SANDBOX_OIDC_CLIENTS: readonly OidcClientRegistration[] = [{ clientId: SANDBOX_OPERATOR_CLIENT_ID, name: 'Tenure operators' }];

/** Where the `default` authorization server answers; its issuer is the org URL followed by this. */
export const DEFAULT_SERVER_PATH = '/oauth2/default';

/** The page where a person enters the code a device shows them, as on an Okta org. */
export const ACTIVATE_PATH = '/activate';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The scopes the emulated `default` server knows; enough for an ID token naming the person. */
export const OIDC_SCOPES = ['openid', 'profile', 'email'] as const;

/** Paths people and public clients reach without an API credential: discovery, keys, the device flow. */
export function isOidcPath(path: string): boolean {
  return path === ACTIVATE_PATH || path.startsWith(`${DEFAULT_SERVER_PATH}/`);
}
