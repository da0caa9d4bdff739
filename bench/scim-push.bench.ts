import { performance } from 'node:perf_hooks';
import { identityWorkflowId } from '../src/identity/change-event.ts';
import { SANDBOX_INTEGRATION, sandboxApp } from '../src/runtime/sandbox-scim.ts';
import { startScimFixture } from '../test/scim/scim-fixture.ts';
import { statusQuery } from '../workflows/definitions.ts';
import { inParallel } from './in-parallel.ts';
import { percentile, printTable } from './report.ts';
import { startBenchStack } from './stack.ts';

/**
 * Okta's SCIM push into Tenure on the whole stack (the sandbox's emulated org and its Tenure app,
 * the intake's SCIM endpoint on the embedded directory, the `scim/okta` example policy):
 *
 * - SCIM POST /Users and filtered GET /Users (`userName eq`) per second over HTTP, as Okta calls
 *   them, 8 requests in flight;
 * - how long from a deactivation in Okta until the identity workflow has run its leaver's
 *   DEPROVISION_IDENTITY: the emulator's push, the SCIM write, the outbox relay, the workflow's
 *   plan and action. TENURE_BENCH_SCIM_PUSH_USERS sets how many people (default 100); each is
 *   assigned (a joiner) first, then deactivated one at a time so each figure is one person's path.
 */

const DEFAULT_PEOPLE = 100;
const HTTP_REQUESTS = 2_000;
const IN_FLIGHT = 8;
const STALL_MS = 120_000;


/** The intake's SCIM endpoint on its own (a fresh embedded directory, no workflows behind it). */
async function httpRates(): Promise<{ postsPerSecond: number; getsPerSecond: number }> {
  const fixture = await startScimFixture();
  try {
    const scim = await fixture.integration('bench');
    const logins = Array.from({ length: HTTP_REQUESTS }, (_, index) => `http.${index}@example.com`);
    let started = performance.now();
    await inParallel(logins.length, IN_FLIGHT, async (index) => {
      const login = logins[index]!;
      const { status } = await scim.call('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: login,
        name: { givenName: 'Bench', familyName: login },
        emails: [{ value: login, type: 'work', primary: true }],
        active: true,
      });
      if (status !== 201) throw new Error(`POST /Users answered ${status}`);
    });
    const postsPerSecond = HTTP_REQUESTS / ((performance.now() - started) / 1000);
    started = performance.now();
    await inParallel(logins.length, IN_FLIGHT, async (index) => {
      const login = logins[index]!;
      const { status, body } = await scim.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${login}"`)}`);
      if (status !== 200 || body.totalResults !== 1) throw new Error('a filtered GET did not find its user');
    });
    return { postsPerSecond, getsPerSecond: HTTP_REQUESTS / ((performance.now() - started) / 1000) };
  } finally {
    await fixture.close();
  }
}

export async function run(): Promise<void> {
  const people = Number(process.env.TENURE_BENCH_SCIM_PUSH_USERS ?? DEFAULT_PEOPLE);
  if (!Number.isInteger(people) || people < 1) throw new Error('TENURE_BENCH_SCIM_PUSH_USERS must be a whole number above 0');
  // A benchmark's deactivations are its subject, not a mass change to hold: every person of the
  // source leaves, which the guard's share rule would hold once half are gone, so the guard
  // counts each deprovisioning for a millisecond only.
  const { config, stack } = await startBenchStack('scim-push', { guard: { maxCount: 1_000_000, maxShare: 1, windowMs: 1 }, oktaEmulatorFastRateLimits: true, sandboxScim: true });
  try {
    const { postsPerSecond, getsPerSecond } = await httpRates();

    // Push: people in Okta, assigned to the Tenure app.
    const okta = stack.okta!;
    const appId = (await sandboxApp(okta))!;
    const sandboxToken = config.oktaEmulatorToken;
    const oktaCall = (method: string, path: string, body?: unknown) =>
      fetch(`${stack.oktaUrl}${path}`, {
        method,
        headers: { authorization: `SSWS ${sandboxToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const settled = async () => {
      const response = await oktaCall('GET', `/emulator/v1/apps/${appId}/push?settled=true&timeoutMs=120000`);
      if (response.status !== 200) throw new Error(`the emulator's push log answered ${response.status}: ${await response.text()}`);
      const state = (await response.json()) as { pending: number; failedTasks: unknown[] };
      if (state.pending > 0 || state.failedTasks.length > 0) throw new Error(`the emulator's push did not settle: ${state.pending} pending, ${state.failedTasks.length} failed`);
    };
    process.stderr.write(`scim-push: ${people} people assigned to the Tenure app…\n`);
    const users: Array<{ oktaUserId: string; workflowId: string }> = [];
    for (let index = 0; index < people; index++) {
      const login = `push.${index}@example.com`;
      const user = await okta.userApi.createUser({ activate: true, body: { profile: { login, email: login, firstName: 'Push', lastName: `Person ${index}`, department: 'Engineering' } } });
      const assigned = await oktaCall('POST', `/api/v1/apps/${appId}/users`, { id: user.id, scope: 'USER' });
      if (assigned.status !== 200) throw new Error(`assigning answered ${assigned.status}`);
      users.push({ oktaUserId: user.id!, workflowId: '' });
    }
    await settled();
    for (const user of users) {
      const appUser = await okta.applicationApi.getApplicationUser({ appId, userId: user.oktaUserId });
      user.workflowId = identityWorkflowId(`scim/${SANDBOX_INTEGRATION}`, appUser.externalId!);
    }
    const status = (workflowId: string) => stack.client.workflow.getHandle(workflowId).query(statusQuery);
    let lastSeen: unknown;
    // A bound only so that a broken run ends with a reason instead of hanging; no figure depends on it.
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + STALL_MS;
      while (!(await check())) {
        if (Date.now() > deadline) {
          const push = await (await oktaCall('GET', `/emulator/v1/apps/${appId}/push`)).json();
          throw new Error(`scim-push: ${what} did not happen within ${STALL_MS / 1000} s; the emulator's push: ${JSON.stringify({ pending: push.pending, failedTasks: push.failedTasks, last: push.calls?.slice(-3) })}; the identity: ${JSON.stringify(lastSeen)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    for (const user of users) await until(`the joiner of ${user.workflowId}`, async () => (await status(user.workflowId)).lifecycleState === 'active');

    process.stderr.write('scim-push: deactivating each in Okta…\n');
    const durations = new Float64Array(users.length);
    for (const [index, user] of users.entries()) {
      const before = performance.now();
      await okta.userApi.deactivateUser({ userId: user.oktaUserId });
      await until(`the leaver of ${user.workflowId} (${index + 1} of ${users.length})`, async () => {
        const now = await status(user.workflowId);
        lastSeen = { lifecycleState: now.lifecycleState, pending: now.pending, held: now.held, lastError: now.lastError, active: now.record?.active };
        return now.lifecycleState === 'inactive' && now.pending === 0;
      });
      durations[index] = performance.now() - before;
    }
    durations.sort();
    const deprovisioned = (await okta.userApi.getUser({ userId: users[0]!.oktaUserId })).status;
    if (deprovisioned !== 'DEPROVISIONED') throw new Error(`the first person's Okta user is ${deprovisioned}, not DEPROVISIONED`);

    console.log(`\nSCIM over HTTP (${HTTP_REQUESTS.toLocaleString('en-US')} requests, ${IN_FLIGHT} in flight, embedded directory) and Okta's push into Tenure (${people} people)\n`);
    printTable(
      ['measure', 'figure'],
      [
        ['POST /Users per second', postsPerSecond.toFixed(0)],
        ['GET /Users?filter=userName eq … per second', getsPerSecond.toFixed(0)],
        ['deactivation in Okta → DEPROVISION_IDENTITY done, p50 ms', percentile(durations, 0.5).toFixed(0)],
        ['p95 ms', percentile(durations, 0.95).toFixed(0)],
        ['max ms', durations[durations.length - 1]!.toFixed(0)],
      ],
    );
  } finally {
    await stack.stop();
  }
}
