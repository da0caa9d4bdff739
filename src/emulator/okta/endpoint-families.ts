import { isUnder } from '../../okta/endpoint-families.ts';

/**
 * The endpoint families are Okta's, shared with the client (src/okta/endpoint-families.ts); they
 * are re-exported here so that the emulator's modules find all of its path classification in one
 * place. The admin API is the emulator's own.
 */
export {
  ENDPOINT_FAMILIES,
  endpointFamily,
  isEndpointFamily,
  pathOf,
  TOKEN_PATH,
  type EndpointFamily,
} from '../../okta/endpoint-families.ts';

/** The emulator's own admin API, which is neither rate limited nor subject to injected faults. */
export const ADMIN_PREFIX = '/emulator/v1';

export function isAdminPath(path: string): boolean {
  return isUnder(path, ADMIN_PREFIX);
}
