import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { createOktaClient, type OktaClient } from '../../src/okta/client.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import { expectOktaError, newProfile, TOKEN } from './okta-fixture.ts';
import { clientAssertion, newClientKey, registration, requestToken, tokenForm } from './oauth-fixture.ts';

function admin(emulator: OktaEmulator, method: string, subpath: string, body?: unknown, authorization = `SSWS ${TOKEN}`) {
  return fetch(`${emulator.url}/emulator/v1${subpath}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function setFault(emulator: OktaEmulator, target: string, rule: Record<string, number>) {
  const response = await admin(emulator, 'PUT', `/faults/${target}`, rule);
  expect(response.status).toBe(200);
}

const serverError = { status: 500, errorCode: 'E0000009', errorSummary: 'Internal Server Error' };

describe('the admin API', () => {
  it('is not there unless asked for', async () => {
    const plain = await startOktaEmulator({ token: TOKEN });
    try {
      const response = await admin(plain, 'GET', '/faults');
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ errorCode: 'E0000007' });
    } finally {
      await plain.close();
    }
  });

  it('answers only the SSWS token', async () => {
    const key = newClientKey();
    const service = registration('0oaAdminCurious00001', key, ['okta.users.manage']);
    const emulator = await startOktaEmulator({ token: TOKEN, admin: true, oauthClients: [service] });
    try {
      const url = `${emulator.url}/oauth2/v1/token`;
      const { body } = await requestToken(emulator.url, tokenForm(clientAssertion(service.clientId, key, url), 'okta.users.manage'));
      for (const authorization of ['', 'SSWS wrong', `Bearer ${body.access_token}`]) {
        const response = await admin(emulator, 'POST', '/reset', undefined, authorization);
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ errorCode: 'E0000011' });
      }
      expect((await admin(emulator, 'GET', '/faults')).status).toBe(200);
    } finally {
      await emulator.close();
    }
  });
});

describe('faults', () => {
  const clock = { now: 1_800_000_000_000 };
  let draw = 0.5;
  let emulator: OktaEmulator;
  let client: OktaClient;
  let user: { id?: string };

  beforeAll(async () => {
    emulator = await startOktaEmulator({
      token: TOKEN,
      admin: true,
      now: () => clock.now,
      random: () => draw,
      rateLimits: { windowSeconds: 1 },
    });
    // The SDK's own retrying executor, which rides out injected 429s as any Okta client would.
    client = createOktaClient({ orgUrl: emulator.url, token: TOKEN }, { requestExecutor: new okta.DefaultRequestExecutor() });
    user = await client.userApi.createUser({ body: { profile: newProfile() } });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('fail exactly the next N requests of a family with 500', async () => {
    await setFault(emulator, 'user', { failNext: 2 });
    await expectOktaError(client.userApi.getUser({ userId: user.id! }), serverError);
    expect((await client.groupApi.listGroups().then((groups) => groups.next())).done).toBe(false);
    await expectOktaError(client.userApi.getUser({ userId: user.id! }), serverError);
    expect((await client.userApi.getUser({ userId: user.id! })).id).toBe(user.id);
    expect(await (await admin(emulator, 'GET', '/faults')).json()).toEqual([
      { target: 'user', latencyMs: 0, errorRate: 0, failNext: 0, throttleNext: 0 },
    ]);
    expect((await admin(emulator, 'DELETE', '/faults')).status).toBe(204);
  });

  it('fail a request with the probability set, the family’s own rule before the catch-all', async () => {
    await setFault(emulator, '*', { errorRate: 0.6 });
    await setFault(emulator, 'groups', { errorRate: 0.4 });
    await expectOktaError(client.userApi.getUser({ userId: user.id! }), serverError);
    expect((await client.groupApi.listGroups().then((groups) => groups.next())).done).toBe(false);
    draw = 0.7;
    expect((await client.userApi.getUser({ userId: user.id! })).id).toBe(user.id);
    draw = 0.5;
    expect((await admin(emulator, 'DELETE', '/faults/*')).status).toBe(204);
    expect((await client.userApi.getUser({ userId: user.id! })).id).toBe(user.id);
    expect((await admin(emulator, 'DELETE', '/faults')).status).toBe(204);
    expect(await (await admin(emulator, 'GET', '/faults')).json()).toEqual([]);
  });

  it('throttle a burst of requests, which the SDK rides out', async () => {
    await setFault(emulator, 'users', { throttleNext: 2 });
    const served: Array<{ status: number; remaining: string | null }> = [];
    client.requestExecutor.on('response', (response: Response) => {
      served.push({ status: response.status, remaining: response.headers.get('x-rate-limit-remaining') });
    });
    const onBackoff = () => {
      clock.now += 1000;
    };
    client.requestExecutor.on('backoff', onBackoff);
    try {
      const first = await client.userApi.listUsers().then((users) => users.next());
      expect(first.value?.id).toBeDefined();
      expect(served.map((answer) => answer.status)).toEqual([429, 429, 200]);
      expect(served.slice(0, 2).map((answer) => answer.remaining)).toEqual(['0', '0']);
    } finally {
      client.requestExecutor.removeAllListeners('response').removeListener('backoff', onBackoff);
    }
  });

  it('delay the requests of a family and no other', async () => {
    await setFault(emulator, 'user', { latencyMs: 10_000 });
    const aborter = new AbortController();
    let delayedAnswered = false;
    const delayed = fetch(`${emulator.url}/api/v1/users/${user.id}`, {
      headers: { authorization: `SSWS ${TOKEN}` },
      signal: aborter.signal,
    }).then(
      () => (delayedAnswered = true),
      () => undefined,
    );
    const prompt = await fetch(`${emulator.url}/api/v1/groups`, { headers: { authorization: `SSWS ${TOKEN}` } });
    expect(prompt.status).toBe(200);
    expect(delayedAnswered).toBe(false);
    aborter.abort();
    await delayed;
    await admin(emulator, 'DELETE', '/faults');
  });

  it('refuses a rule it cannot follow', async () => {
    const badRule = await admin(emulator, 'PUT', '/faults/user', { errorRate: 2, failNxt: 1 });
    expect(badRule.status).toBe(400);
    expect(await badRule.json()).toMatchObject({
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: fault',
      errorCauses: [{ errorSummary: expect.stringMatching(/^errorRate: /) }, { errorSummary: expect.stringMatching(/failNxt/) }],
    });
    const badTarget = await admin(emulator, 'PUT', '/faults/apps', { failNext: 1 });
    expect(badTarget.status).toBe(400);
    expect(await badTarget.json()).toMatchObject({
      errorSummary: 'Api validation failed: target',
      errorCauses: [{ errorSummary: 'target: must be an endpoint family or *, got "apps"' }],
    });
  });
});

describe('org state', () => {
  const seed = {
    groups: [{ name: 'Engineering', description: 'Builders' }],
    users: [{ profile: newProfile({ login: 'ada@seed.example.com', email: 'ada@seed.example.com' }), groups: ['Engineering'] }],
  };

  it('is emptied by a reset and filled by a seed', async () => {
    const emulator = await startOktaEmulator({ token: TOKEN, admin: true });
    try {
      const client = createOktaClient({ orgUrl: emulator.url, token: TOKEN });
      const doomed = await client.userApi.createUser({ body: { profile: newProfile() } });
      expect((await admin(emulator, 'POST', '/reset')).status).toBe(204);
      await expectOktaError(client.userApi.getUser({ userId: doomed.id! }), {
        status: 404,
        errorCode: 'E0000007',
        errorSummary: `Not found: Resource not found: ${doomed.id} (User)`,
      });

      const seeded = await admin(emulator, 'POST', '/seed', seed);
      expect({ status: seeded.status, body: await seeded.json() }).toEqual({ status: 200, body: { users: 1, groups: 1 } });
      const ada = await client.userApi.getUser({ userId: 'ada@seed.example.com' });
      const groups = await client.userApi.listUserGroups({ userId: ada.id! });
      const names: string[] = [];
      await groups.each((group) => {
        names.push(String(group.profile?.name));
      });
      expect(names).toEqual(['Everyone', 'Engineering']);

      const again = await admin(emulator, 'POST', '/seed', seed);
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ errorCode: 'E0000001', errorSummary: 'Api validation failed: seed' });
    } finally {
      await emulator.close();
    }
  });

  it('is seeded from a file at start, and restored from the state file instead once there is one', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'okta-emulator-'));
    const seedFile = path.join(folder, 'seed.json');
    const stateFile = path.join(folder, 'state', 'org.json');
    await writeFile(seedFile, JSON.stringify(seed));

    const first = await startOktaEmulator({ token: TOKEN, seedFile, stateFile });
    const added = await createOktaClient({ orgUrl: first.url, token: TOKEN }).userApi.createUser({ body: { profile: newProfile() } });
    await first.close();

    const second = await startOktaEmulator({ token: TOKEN, seedFile, stateFile });
    try {
      const client = createOktaClient({ orgUrl: second.url, token: TOKEN });
      expect((await client.userApi.getUser({ userId: 'ada@seed.example.com' })).profile?.login).toBe('ada@seed.example.com');
      expect((await client.userApi.getUser({ userId: added.id! })).id).toBe(added.id);
    } finally {
      await second.close();
    }
  });
});

describe('the okta-emulator command', () => {
  it('serves the admin API and OAuth to the clients of its file until interrupted', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'okta-emulator-cli-'));
    const key = newClientKey();
    const clientsFile = path.join(folder, 'clients.json');
    await writeFile(clientsFile, JSON.stringify([registration('0oaCommandLine000001', key, ['okta.users.read'])]));
    const child = spawn(
      process.execPath,
      ['bin/tenure.mjs', 'okta-emulator', '--port', '0', '--token', 'cli-token', '--admin', '--oauth-clients', clientsFile],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const lines = createInterface({ input: child.stdout! });
      let url: string | undefined;
      for await (const line of lines) {
        url ??= /listening on (\S+) /.exec(line)?.[1];
        if (line.startsWith('Ctrl-C')) break;
      }
      expect(url).toBeDefined();
      const tokenUrl = `${url}/oauth2/v1/token`;
      const { body } = await requestToken(url!, tokenForm(clientAssertion('0oaCommandLine000001', key, tokenUrl), 'okta.users.read'));
      expect((await fetch(`${url}/api/v1/users`, { headers: { authorization: `Bearer ${body.access_token}` } })).status).toBe(200);
      expect((await fetch(`${url}/emulator/v1/faults`, { headers: { authorization: 'SSWS cli-token' } })).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('names what is wrong with an OAuth clients file', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'okta-emulator-cli-'));
    const clientsFile = path.join(folder, 'clients.json');
    await writeFile(clientsFile, JSON.stringify([{ clientId: 'x', keys: [], scopes: ['users.read'] }]));
    const child = spawn(process.execPath, ['bin/tenure.mjs', 'okta-emulator', '--port', '0', '--oauth-clients', clientsFile], {
      cwd: projectRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain(`the OAuth clients in ${clientsFile} are not valid:`);
    expect(stderr).toContain('0.keys: give at least one public key');
    expect(stderr).toContain('0.scopes.0: must be an Okta API scope such as okta.users.read');
  });
});
