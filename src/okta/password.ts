import type { OktaClient } from './client.ts';

/** The temporary password in Okta's answer; never a parser's error, which would quote the body. */
function temporaryPasswordIn(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const password = (parsed as { tempPassword?: unknown } | null)?.tempPassword;
  return typeof password === 'string' && password !== '' ? password : undefined;
}

/**
 * Expires the user's password, sets a temporary one and answers it; the user is then
 * PASSWORD_EXPIRED, and the user's sessions stay. The 8.1.0 SDK's
 * `expirePasswordAndGetTemporaryPassword` reads the answer as a User, as Okta's OpenAPI description
 * wrongly declares, and so loses the password: the endpoint is called through the SDK's own HTTP
 * layer instead, which still authenticates, paces, and turns a refusal into an Okta error. Its
 * `json` helper is not used because a body that fails to parse would be quoted in the error.
 */
export async function expireWithTemporaryPassword(okta: OktaClient, userId: string): Promise<string> {
  const url = `${okta.baseUrl}/api/v1/users/${encodeURIComponent(userId)}/lifecycle/expire_password_with_temp_password?revokeSessions=false`;
  // The SDK types its options with node-fetch's types, which are not installed, hence the cast.
  const request = { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' } };
  const response = await okta.http.http(url, request as Parameters<OktaClient['http']['http']>[1]);
  const password = temporaryPasswordIn(await response.text());
  if (password === undefined) throw new Error(`Okta's answer to expire_password_with_temp_password for ${userId} holds no temporary password`);
  return password;
}
