import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot, loadConfig } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { newClientKey } from '../emulator/oauth-fixture.ts';
import { eventually, startTestStack, postHr } from '../helpers/stack.ts';

/*
 * The whole of Tenure calling Okta as an OAuth 2.0 service app with a private key, configured the
 * way an operator does it (OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_KEY_ID, OKTA_SCOPES), against
 * the emulator, which registers the app's public key.
 */
let stack: TenureStack;

beforeAll(async () => {
  const key = newClientKey('RSA');
  const { oktaEmulatorServiceApp } = loadConfig({
    OKTA_CLIENT_ID: '0oaTenureService0001',
    OKTA_PRIVATE_KEY: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    OKTA_KEY_ID: key.kid,
    OKTA_SCOPES: 'okta.users.manage okta.groups.manage',
  });
  stack = await startTestStack({ oktaEmulatorServiceApp });
});

afterAll(async () => {
  await stack?.stop();
});

it('runs a joiner with an OAuth access token instead of an SSWS token', async () => {
  const body = await readFile(path.join(projectRoot, 'examples/joiner.json'), 'utf8');
  const response = await postHr(stack, body);
  expect(response.status).toBe(202);
  const status = await eventually(async () => {
    const current = await stack.client.workflow.getHandle('identity/hr/E1001').query(statusQuery);
    expect(current.lastEventId).toBe('hr-evt-1001');
    return current;
  });
  expect(status.lastError).toBeUndefined();
  const user = stack.oktaEmulator!.store.findUser('zoe.lindqvist@example.com');
  expect(user?.status).toBe('PASSWORD_EXPIRED');
  // Every call Okta's System Log recorded was made by the service app, not by a token's owner.
  const actors = new Set(stack.oktaEmulator!.store.log.all().map((entry) => `${entry.actor.type}:${entry.actor.id}`));
  expect([...actors]).toEqual(['PublicClientApp:0oaTenureService0001']);
});
