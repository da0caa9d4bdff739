import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot, type TenureConfig } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { decisionKeysFrom } from '../../src/decisions/keys.ts';
import { decisionsSetup } from '../../src/server/decisions-route.ts';
import { statusQuery, type ApprovalRequest, type IdentityStatus } from '../../workflows/definitions.ts';
import { activateDevice, OPERATOR_LOGIN, operatorAccount, signInOperator, signInSettings, type Operator } from '../helpers/operator.ts';
import { createOktaUserStep, hrPolicy, policyFixture } from '../helpers/policy-fixture.ts';
import { eventually, handledEvent, postHr, startTestStack } from '../helpers/stack.ts';

/*
 * An operator signs in with Okta (the stack's emulator) by the device flow, through `tenure login`
 * as a person would run it, and decides with `tenure approve`: the intake checks the ID token,
 * signs the decision and the workflow records who decided. Tokens the intake must not trust
 * decide nothing.
 */

const policy = hrPolicy({ name: 'people', attributes: '[employee_id, first_name, last_name, status]', workflows: `
  - name: joiner
    on: joiner
    actions:
${createOktaUserStep}  - name: leaver
    on: leaver
    actions:
      - action: DEPROVISION_IDENTITY
  - name: purge
    on: leaver
    actions:
      - action: DELETE_IDENTITY
        approval: { template: deletion-approval, to: it-security@example.com, timeout: 1h }
` });

const templates = { 'deletion-approval.yaml': "subject: 'Approve: delete <<employee_id>>'\ntext: 'Run npx tenure approve <<approval.workflowId>>.'\n" };

/** The emulator's clock runs this far from the real one: a token issued in its past has expired. */
let emulatorSkewMs = 0;
let stack: TenureStack;
let operator: Operator;
/** The data folder of the operator's `tenure` commands, where `tenure login` keeps the session. */
let operatorDataDir: string;

beforeAll(async () => {
  const dirs = await policyFixture({ policies: { 'people.yaml': policy }, templates });
  stack = await startTestStack(dirs, {
    oktaEmulator: { now: () => Date.now() + emulatorSkewMs, oidcClients: [{ clientId: 'tenure-operators' }, { clientId: 'another-app' }] },
  });
  operator = await operatorAccount(stack);
  operatorDataDir = await mkdtemp(path.join(tmpdir(), 'tenure-operator-'));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const workflowIdOf = (key: string) => `identity/hr/${key}`;
const statusOf = (key: string): Promise<IdentityStatus> => stack.client.workflow.getHandle(workflowIdOf(key)).query(statusQuery);

/** A leaver whose deletion waits for approval. */
async function awaitingApproval(key: string): Promise<void> {
  const person = { employee_id: key, first_name: 'Sign', last_name: key, status: 'active' };
  expect((await postHr(stack, JSON.stringify({ eventId: `${key}-join`, record: person }))).status).toBe(202);
  await handledEvent(stack, workflowIdOf(key), `${key}-join`);
  expect((await postHr(stack, JSON.stringify({ eventId: `${key}-leave`, record: { ...person, status: 'terminated' } }))).status).toBe(202);
  await handledEvent(stack, workflowIdOf(key), `${key}-leave`, (status) => expect(status.lifecycleState).toBe('awaiting-approval'));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tenure …` as the operator at their terminal; `onOutput` sees stdout as it comes. */
function operatorTenure(args: string[], onOutput: (stdout: string) => void = () => {}): Promise<Run> {
  const child = spawn(process.execPath, ['bin/tenure.mjs', ...args], {
    cwd: projectRoot,
    env: { ...process.env, TENURE_DATA_DIR: operatorDataDir, TENURE_INTAKE_URL: stack.intakeUrl!, TENURE_OPERATOR_TOKEN: '' },
  });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
    onOutput(run.stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ ...run, code })));
}

const decide = (path: string, body: unknown, authorization?: string) =>
  fetch(`${stack.intakeUrl}/api/v1/decisions/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify(body),
  });

describe('signing in and deciding', { timeout: 120_000 }, () => {
  it('`tenure login` shows where to sign in, waits for the person, and keeps the session for them alone', async () => {
    let activation: Promise<void> | undefined;
    const { issuer } = await signInSettings(stack);
    const run = await operatorTenure(['login'], (stdout) => {
      const code = /enter the code (\S+)/.exec(stdout)?.[1];
      // What the person does in the browser while the command polls.
      if (code !== undefined) activation ??= activateDevice(issuer, code, operator);
    });
    await activation;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`To sign in, open ${new URL(issuer).origin}/activate and enter the code `);
    expect(run.stdout).toMatch(new RegExp(`Signed in as ${OPERATOR_LOGIN.replaceAll('.', '\\.')} until \\d{4}-`));
    const file = path.join(operatorDataDir, 'operator-session.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const session = JSON.parse(await readFile(file, 'utf8')) as { idToken: string };
    expect(decodeJwt(session.idToken)).toMatchObject({ preferred_username: OPERATOR_LOGIN, aud: 'tenure-operators', iss: issuer });
    expect(run.stdout).not.toContain(session.idToken);
  });

  it('`tenure approve` then deletes the identity, and the workflow records the signed-in person as who decided', async () => {
    await awaitingApproval('S1');
    const run = await operatorTenure(['approve', 'hr/S1']);
    expect(run).toMatchObject({ code: 0, stdout: 'Approved: DELETE_IDENTITY of people/purge runs now.\n' });
    await eventually(async () => expect((await statusOf('S1')).lifecycleState).toBe('deleted'));

    const history = await stack.client.workflow.getHandle(workflowIdOf('S1')).fetchHistory();
    const accepted = (history.events ?? []).flatMap((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ?? []);
    expect(accepted.map((request) => request.input?.name)).toEqual(['approve']);
    const [request] = accepted[0]!.input!.args!.payloads!.map((payload) => defaultPayloadConverter.fromPayload<ApprovalRequest>(payload));
    expect(request).toMatchObject({ by: OPERATOR_LOGIN, proof: expect.any(String) });
    expect(decodeProtectedHeader(request!.proof!)).toMatchObject({ alg: 'EdDSA', typ: 'tenure-decision+jwt' });
    expect(decodeJwt(request!.proof!)).toMatchObject({ sub: OPERATOR_LOGIN, wf: workflowIdOf('S1'), ap: 'people/purge', dec: 'approved' });

    const again = await operatorTenure(['approve', 'hr/S1']);
    expect(again).toMatchObject({ code: 1, stderr: 'tenure: hr/S1: nothing is waiting for approval\n' });
  });

  it('`tenure logout` forgets the session; approving then asks to sign in first', async () => {
    expect((await operatorTenure(['logout'])).stdout).toBe(`Signed out ${OPERATOR_LOGIN}.\n`);
    expect(await operatorTenure(['reject', 'hr/S1'])).toMatchObject({ code: 1, stderr: 'tenure: Sign in first: npx tenure login\n' });
  });
});

describe('the intake refuses tokens it must not trust, and nothing is decided', { timeout: 120_000 }, () => {
  let genuine: string;

  beforeAll(async () => {
    await awaitingApproval('S2');
    genuine = (await signInOperator(stack)).token;
  }, 120_000);

  /** A token with the genuine one's header and claims, signed by a key of the forger's own. */
  async function forged(): Promise<string> {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new SignJWT(decodeJwt(genuine)).setProtectedHeader(decodeProtectedHeader(genuine) as { alg: string }).sign(privateKey);
  }

  async function expired(): Promise<string> {
    emulatorSkewMs = -2 * 3_600_000;
    try {
      return (await signInOperator(stack)).token;
    } finally {
      emulatorSkewMs = 0;
    }
  }

  it.each([
    ['no token', async () => undefined, 'no sign-in: send Authorization: Bearer <ID token>'],
    ['a token signed by another key', async () => `Bearer ${await forged()}`, 'the token is not signed by the identity provider'],
    ['an expired token', async () => `Bearer ${await expired()}`, 'the sign-in has expired'],
    ['a token issued to another app', async () => `Bearer ${(await signInOperator(stack, OPERATOR_LOGIN, { clientId: 'another-app' })).token}`, "the token was issued to another application, not to Tenure's operator app"],
    ['something that is not a token', async () => 'Bearer not-a-token', 'the token is not valid (ERR_JWS_INVALID)'],
  ])('401 for %s, with the reason', async (_what, authorization, reason) => {
    const response = await decide('approve', { workflowId: workflowIdOf('S2') }, await authorization());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await response.json()).toEqual({ error: `${reason}; sign in again: npx tenure login` });
    const status = await statusOf('S2');
    expect(status.lifecycleState).toBe('awaiting-approval');
    expect(status.approvals).toEqual([expect.objectContaining({ id: 'people/purge' })]);
  });

  it('answers 404 for a workflow that is not running, 400 for a body it cannot read, and says where to sign in', async () => {
    const missing = await decide('reject', { workflowId: workflowIdOf('NOBODY') }, `Bearer ${genuine}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no workflow identity/hr/NOBODY is running' });
    const bad = await decide('reject', { workflow: 'identity/hr/S2' }, `Bearer ${genuine}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('the body must be {"workflowId"');
    expect(await signInSettings(stack)).toEqual({ issuer: `${stack.oktaUrl}/oauth2/default`, clientId: 'tenure-operators' });
    expect((await statusOf('S2')).lifecycleState).toBe('awaiting-approval');
  });

  it('rejects with a genuine token, recording the person', async () => {
    const response = await decide('reject', { workflowId: workflowIdOf('S2'), step: 'people/purge' }, `Bearer ${genuine}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'people/purge', action: 'DELETE_IDENTITY', decision: 'rejected' });
    await eventually(async () => expect((await statusOf('S2')).lastError).toBe(`DELETE_IDENTITY of people/purge was rejected by ${OPERATOR_LOGIN}`));
  });
});

describe('an intake of a real org', () => {
  const realOrg: TenureConfig = { ...loadConfig({}), okta: { orgUrl: 'https://acme.okta.com', token: 'x' }, oidcIssuer: 'https://acme.okta.com/oauth2/default', oidcClientId: '0oa1operators' };
  const setup = (config: TenureConfig, env: NodeJS.ProcessEnv = {}) => decisionsSetup({ config, emulatorUrl: undefined, client: stack.client, keys: decisionKeysFrom(env, config.dataDir, false) });

  it('takes no decisions without its own decision key, an issuer or a client id, and says which is missing', () => {
    expect(setup(realOrg)).toEqual({ notice: expect.stringContaining('is not served: set TENURE_DECISION_KEY') });
    expect(setup({ ...realOrg, oidcIssuer: undefined, oidcClientId: undefined })).toEqual({
      notice: expect.stringContaining('set TENURE_OIDC_ISSUER, TENURE_OIDC_CLIENT_ID, TENURE_DECISION_KEY'),
    });
  });
});
