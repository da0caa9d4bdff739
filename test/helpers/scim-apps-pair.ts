import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/runtime/config.ts';
import { startScimFixture, type ScimFixture } from '../scim/scim-fixture.ts';
import { startScim2Server, type Scim2Server } from './scim2-server.ts';

/**
 * Two SCIM applications Tenure provisions in the chaos test and the end-to-end benchmark:
 * `third`, PyPI's scim2-server, and `own`, Tenure's own SCIM service provider; and a policy
 * folder with test/fixtures/chaos's policies, its apps.yaml and a targets document naming both.
 * The tokens are handed over as the environment a worker reads them from, never printed.
 */
export interface ScimAppsPair {
  policiesDir: string;
  /** The variables the targets document names, for a worker's environment. */
  env: Record<string, string>;
  third: { url: string; token: string };
  own: { url: string; token: string };
  /** Every account in the application, by externalId, read from the application itself. */
  accounts(app: 'third' | 'own'): Promise<Map<string, Array<Record<string, unknown>>>>;
  stop(): Promise<void>;
}

const CHAOS = path.join(projectRoot, 'test/fixtures/chaos');

export async function startScimAppsPair(): Promise<ScimAppsPair> {
  let scim2: Scim2Server | undefined;
  let fixture: ScimFixture | undefined;
  try {
    scim2 = await startScim2Server();
    fixture = await startScimFixture();
    const integration = await fixture.integration('apps');
    const third = { url: scim2.url, token: scim2.token };
    const own = { url: integration.baseUrl, token: integration.token };
    const policiesDir = await mkdtemp(path.join(tmpdir(), 'tenure-apps-policies-'));
    await copyFile(path.join(CHAOS, 'policies/chaos.yaml'), path.join(policiesDir, 'chaos.yaml'));
    await copyFile(path.join(CHAOS, 'apps/apps.yaml'), path.join(policiesDir, 'apps.yaml'));
    await writeFile(
      path.join(policiesDir, 'targets.yaml'),
      `apiVersion: tenure/v1
kind: Targets
targets:
  third: { kind: scim, url: ${third.url}, auth: { bearerToken: { env: TENURE_APPS_THIRD_TOKEN } } }
  own: { kind: scim, url: ${own.url}, auth: { bearerToken: { env: TENURE_APPS_OWN_TOKEN } } }
`,
    );
    const started = { scim2, fixture };
    return {
      policiesDir,
      env: { TENURE_APPS_THIRD_TOKEN: third.token, TENURE_APPS_OWN_TOKEN: own.token },
      third,
      own,
      async accounts(app) {
        const { url, token } = app === 'third' ? third : own;
        const byKey = new Map<string, Array<Record<string, unknown>>>();
        for (let start = 1; ; ) {
          const response = await fetch(`${url}/Users?startIndex=${start}&count=500`, { headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' } });
          if (!response.ok) throw new Error(`listing the accounts of ${app}: ${response.status}`);
          const page = (await response.json()) as { Resources?: Array<Record<string, unknown>>; totalResults: number };
          for (const user of page.Resources ?? []) byKey.set(String(user.externalId), [...(byKey.get(String(user.externalId)) ?? []), user]);
          start += page.Resources?.length ?? 0;
          if (!page.Resources?.length || start > page.totalResults) return byKey;
        }
      },
      async stop() {
        await started.fixture.close();
        await started.scim2.stop();
      },
    };
  } catch (error) {
    await fixture?.close();
    await scim2?.stop();
    throw error;
  }
}
