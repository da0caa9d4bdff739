import { readdir, readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenure } from '../helpers/tenure-cli.ts';
import { clientFor, oktaUser, startScimFixture, type ScimFixture } from './scim-fixture.ts';

/**
 * `tenure scim …` as an administrator runs it: on its own (it opens the embedded directory), and
 * beside a running intake that holds the directory (it goes through the intake's admin route).
 * Tokens are only compared, never printed.
 */

/** Every file under a folder, recursively. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('tenure scim, with no intake running', () => {
  let dataDir: string;
  const env = () => ({ TENURE_DATA_DIR: dataDir, TENURE_INTAKE_PORT: '18443' });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tenure-scim-cli-'));
  });

  it('add prints the base URL and a long random token, kept only as its SHA-256', async () => {
    const { code, stdout, stderr } = await tenure(['scim', 'add', 'okta', '--json'], env());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const added = JSON.parse(stdout);
    expect(added).toMatchObject({ name: 'okta', enabled: true, baseUrl: 'http://127.0.0.1:18443/scim/v2/okta' });
    // 32 random bytes, base64url.
    expect(/^[A-Za-z0-9_-]{43}$/.test(added.token)).toBe(true);
    const again = JSON.parse((await tenure(['scim', 'rotate', 'okta', '--json'], env())).stdout);
    expect(again.token === added.token).toBe(false);

    let found = false;
    for (const file of await files(dataDir)) if ((await readFile(file)).includes(again.token)) found = true;
    expect(found, 'the token is written nowhere in the data folder').toBe(false);

    // The token the CLI printed opens the endpoint once an intake serves the directory.
    const fixture = await startScimFixture({ dataDir });
    try {
      expect((await clientFor(fixture.url, 'okta', again.token).call('GET', '/Users')).status).toBe(200);
      expect((await clientFor(fixture.url, 'okta', added.token).call('GET', '/Users')).status).toBe(401);
    } finally {
      await fixture.close();
    }
  }, 60_000);

  it('list shows each integration with its state and base URL; refusals exit 1 and say why', async () => {
    const listed = await tenure(['scim', 'list', '--intake-url', 'https://tenure.example.com'], env());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+STATE\s+CREATED\s+BASE URL\nokta\s+enabled\s+\S+\s+https:\/\/tenure\.example\.com\/scim\/v2\/okta$/m);
    const duplicate = await tenure(['scim', 'add', 'okta'], env());
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('integration "okta" exists already');
    const badName = await tenure(['scim', 'add', 'Okta_EU'], env());
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('lower-case letters, digits and dashes');
  }, 60_000);
});

describe('tenure scim, beside the intake that holds the directory', () => {
  let fixture: ScimFixture;
  const env = () => ({ TENURE_DATA_DIR: fixture.dataDir });

  beforeAll(async () => {
    fixture = await startScimFixture({ adminFile: true });
  });
  afterAll(() => fixture?.close());

  it('the admin file is readable by its owner only', async () => {
    expect((await stat(path.join(fixture.dataDir, 'scim-admin.json'))).mode & 0o077).toBe(0);
  });

  it('add, disable, enable, rotate and remove act on the running intake at once', async () => {
    const added = await tenure(['scim', 'add', 'okta'], env());
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`SCIM base URL  ${fixture.url}/scim/v2/okta`);
    const token = /Bearer token\s+(\S+)/.exec(added.stdout)![1]!;
    const okta = clientFor(fixture.url, 'okta', token);
    expect((await okta.call('GET', '/Users')).status).toBe(200);

    expect((await tenure(['scim', 'disable', 'okta'], env())).code).toBe(0);
    const refused = await okta.call('GET', '/Users');
    expect(refused.status).toBe(401);
    expect(refused.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);

    expect((await tenure(['scim', 'enable', 'okta'], env())).code).toBe(0);
    expect((await okta.call('GET', '/Users')).status).toBe(200);

    const rotated = JSON.parse((await tenure(['scim', 'rotate', 'okta', '--json'], env())).stdout);
    expect((await okta.call('GET', '/Users')).status).toBe(401);
    expect((await clientFor(fixture.url, 'okta', rotated.token).call('GET', '/Users')).status).toBe(200);

    const listed = JSON.parse((await tenure(['scim', 'list', '--json'], env())).stdout);
    expect(listed).toEqual([{ name: 'okta', enabled: true, createdAt: expect.any(String), undeliverableChanges: 0, baseUrl: `${fixture.url}/scim/v2/okta` }]);

    expect((await clientFor(fixture.url, 'okta', rotated.token).call('POST', '/Users', oktaUser('ada@example.com', 'Ada', 'Lovelace'))).status).toBe(201);
    // Nothing was set aside: a retry has nobody to send again.
    const retried = await tenure(['scim', 'retry', 'okta'], env());
    expect(retried).toMatchObject({ code: 0, stdout: 'scim/okta: the set-aside changes of 0 people go to Temporal again, each as the person\'s current record.\n' });
    const removed = await tenure(['scim', 'remove', 'okta'], env());
    expect(removed.code).toBe(0);
    // Removing it offboards whom it provisioned: the command says so.
    expect(removed.stdout).toContain('1 person is a leaver of scim/okta');
    expect((await clientFor(fixture.url, 'okta', rotated.token).call('GET', '/Users')).status).toBe(401);
    const missing = await tenure(['scim', 'remove', 'okta'], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no integration "okta"');
  }, 90_000);

  it('the admin route refuses a caller without the secret', async () => {
    const response = await fetch(`${fixture.url}/scim-admin/v1/integrations`, { headers: { authorization: 'Bearer guess' } });
    expect(response.status).toBe(401);
  });
});
