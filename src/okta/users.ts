import type { OktaClient } from './client.ts';
import { isOktaApiError } from './errors.ts';

export type OktaUser = { id?: string; status?: string; profile?: Record<string, unknown> };

/** A user by id or login, or undefined when Okta has none (404). */
export async function findUser(okta: OktaClient, idOrLogin: string): Promise<OktaUser | undefined> {
  try {
    return (await okta.userApi.getUser({ userId: idOrLogin })) as OktaUser;
  } catch (error) {
    if (isOktaApiError(error) && error.status === 404) return undefined;
    throw error;
  }
}

