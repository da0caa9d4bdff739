import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { approve } from '../../src/cli/commands/decide.ts';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import { loadConfig } from '../../src/runtime/config.ts';
import { SANDBOX_INTEGRATION, sandboxApp } from '../../src/runtime/sandbox-scim.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { oktaCall, settled, type Emulated } from '../emulator/scim-app-fixture.ts';
import { signInOperator } from '../helpers/operator.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';

/**
 * A burst of SCIM leavers is a mass change like any other source's: Okta unassigning everyone from
 * Tenure's app (a mistaken group rule, an app removed) is held beyond the guard's limit, and only
 * an administrator's `tenure approve guard/scim/okta` lets Tenure deactivate the rest.
 */

const PEOPLE = 4;
const LIMIT = 2;

let stack: TenureStack;
let emulated: Emulated;
let appId: string;
const people: Array<{ login: string; oktaUserId: string; workflowId: string }> = [];

beforeAll(async () => {
  stack = await startTestStack({ sandboxScim: true, guard: { maxCount: LIMIT, maxShare: 1, windowMs: 3_600_000 } });
  emulated = { emulator: stack.oktaEmulator!, client: stack.okta!, token: loadConfig({}).oktaEmulatorToken };
  appId = (await sandboxApp(stack.okta!))!;
  for (let index = 0; index < PEOPLE; index++) {
    const login = `burst.${index}@example.com`;
    const user = await stack.okta!.userApi.createUser({ activate: true, body: { profile: { login, email: login, firstName: 'Burst', lastName: `Person ${index}`, department: 'Sales' } } });
    expect((await oktaCall(emulated, 'POST', `/api/v1/apps/${appId}/users`, { id: user.id, scope: 'USER' })).status).toBe(200);
    people.push({ login, oktaUserId: user.id!, workflowId: '' });
  }
  await settled(emulated, appId);
  for (const person of people) {
    const appUser = await stack.okta!.applicationApi.getApplicationUser({ appId, userId: person.oktaUserId });
    person.workflowId = identityWorkflowId(`scim/${SANDBOX_INTEGRATION}`, appUser.externalId!);
  }
  await eventually(async () => {
    for (const person of people) expect((await status(person)).lifecycleState).toBe('active');
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

const status = (person: (typeof people)[number]) => stack.client.workflow.getHandle(person.workflowId).query(statusQuery);
const oktaStatus = async (person: (typeof people)[number]) => (await stack.okta!.userApi.getUser({ userId: person.oktaUserId })).status;

describe('a burst of unassignments pushed by Okta', { timeout: 120_000 }, () => {
  it('is held beyond the limit: those people keep their Okta account until an administrator decides', async () => {
    for (const person of people) expect((await oktaCall(emulated, 'DELETE', `/api/v1/apps/${appId}/users/${person.oktaUserId}`)).status).toBe(204);
    await settled(emulated, appId);
    const states = await eventually(async () => {
      const all = await Promise.all(people.map(status));
      expect(all.filter((each) => each.lifecycleState === 'inactive')).toHaveLength(LIMIT);
      expect(all.filter((each) => each.lifecycleState === 'held')).toHaveLength(PEOPLE - LIMIT);
      return all;
    });
    for (const [index, person] of people.entries()) {
      if (states[index]!.lifecycleState === 'held') {
        expect(states[index]!.held?.guard).toBe(`guard/scim/${SANDBOX_INTEGRATION}`);
        expect(await oktaStatus(person)).toBe('PROVISIONED'); // as Okta created them: activated, no password yet
      } else {
        expect(await oktaStatus(person)).toBe('DEPROVISIONED');
      }
    }
  });

  it('`tenure approve guard/scim/okta`, signed in, releases them', async () => {
    const { token } = await signInOperator(stack);
    const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await approve(`guard/scim/${SANDBOX_INTEGRATION}`, { intake: stack.intakeUrl, token });
      expect(printed.mock.calls.flat().join(' ')).toContain(`Released: ${PEOPLE - LIMIT} held deprovisionings`);
    } finally {
      printed.mockRestore();
    }
    await eventually(async () => {
      for (const person of people) expect(await oktaStatus(person)).toBe('DEPROVISIONED');
    });
  });
});
