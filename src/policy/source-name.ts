/**
 * The names a policy's `source` may take. Each becomes part of a workflow id
 * (`identity/<source>/<key>`), so they stay plain: lower-case words with dashes.
 */

/**
 * A SCIM integration's name, as `tenure scim add NAME` takes it: it becomes a URL segment
 * (`/scim/v2/NAME`) and the source `scim/NAME`. Capped so that the base URL and the workflow
 * ids stay short.
 */
export const SCIM_INTEGRATION_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** What every SCIM integration's source starts with. */
export const SCIM_SOURCE_PREFIX = 'scim/';

/** `hr`, `okta` … or `scim/<integration>`. */
export const SOURCE_NAME = new RegExp(`^(?:[a-z][a-z0-9-]*|${SCIM_SOURCE_PREFIX}${SCIM_INTEGRATION_NAME.source.slice(1, -1)})$`);

/** Whether changes of this source are what a SCIM client (Okta's provisioning) pushed. */
export const isScimSource = (source: string): boolean => source.startsWith(SCIM_SOURCE_PREFIX);

/** The source `okta`: Okta's event hook, System Log and reconciliation report its changes. */
export const OKTA_SOURCE = 'okta';
