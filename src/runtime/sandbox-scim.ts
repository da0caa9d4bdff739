import type { OktaClient } from '../okta/client.ts';
import type { ScimDirectory } from '../scim/directory/types.ts';
import { addIntegration, rotateIntegration } from '../scim/integrations.ts';

/**
 * The sandbox's SCIM path, wired as an Okta admin wires a real one: an integration `okta` in
 * Tenure, and in the emulated org the "SCIM 2.0 Test App (OAuth Bearer Token)" labelled Tenure,
 * whose provisioning connection holds the integration's base URL and token. Assigning someone to
 * that app then makes the emulator push them to Tenure, where the `scim/okta` policy acts.
 *
 * The token is shown once and kept only as a hash, so the sandbox cannot read it back: each
 * start gives the integration a new one and hands it to the app. Nothing outside the sandbox
 * holds it.
 */

export const SANDBOX_INTEGRATION = 'okta';
export const SANDBOX_APP_LABEL = 'Tenure';
/** The OIN catalogue's "SCIM 2.0 Test App (OAuth Bearer Token)". */
const OIN_SCIM_APP = 'scim2testapp';

export interface SandboxScim {
  appId: string;
  baseUrl: string;
}

/** The emulated org's Tenure app, made on the first start. */
export async function sandboxApp(okta: OktaClient): Promise<string | undefined> {
  for await (const app of await okta.applicationApi.listApplications({ q: SANDBOX_APP_LABEL })) {
    if (app?.label === SANDBOX_APP_LABEL && app.id) return app.id;
  }
  return undefined;
}

export async function wireSandboxScim(options: { okta: OktaClient; directory: ScimDirectory; intakeUrl: string }): Promise<SandboxScim> {
  const { okta, directory } = options;
  const { token } = (await directory.getIntegration(SANDBOX_INTEGRATION))
    ? await rotateIntegration(directory, SANDBOX_INTEGRATION)
    : await addIntegration(directory, SANDBOX_INTEGRATION);
  const baseUrl = new URL(`/scim/v2/${SANDBOX_INTEGRATION}`, options.intakeUrl).href;
  let appId = await sandboxApp(okta);
  if (!appId) {
    const app = await okta.applicationApi.createApplication({
      activate: true,
      application: { name: OIN_SCIM_APP, label: SANDBOX_APP_LABEL, signOnMode: 'AUTO_LOGIN' } as never,
    });
    appId = app.id!;
  }
  await okta.applicationApi.updateDefaultProvisioningConnectionForApplication({
    appId,
    activate: true,
    ProvisioningConnectionRequest: { baseUrl, profile: { authScheme: 'TOKEN', token } } as never,
  });
  return { appId, baseUrl };
}
