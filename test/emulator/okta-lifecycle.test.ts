import { describe, expect, it } from 'vitest';
import { USER_STATUSES } from '../../src/emulator/okta/lifecycle.ts';
import { applySeed } from '../../src/emulator/okta/seed.ts';
import {
  expectOktaError,
  logEntriesAbout,
  newProfile,
  rawRequest,
  useOktaEmulator,
  type ExpectedOktaError,
} from './okta-fixture.ts';

const env = useOktaEmulator();

type Status = (typeof USER_STATUSES)[number];

/** A user in the given status, reached through a seed (there is no API to lock a user out). */
async function userIn(status: Status, password?: boolean) {
  const profile = newProfile();
  applySeed(env.emulator.store, { users: [{ profile, status, ...(password === undefined ? {} : { password }) }] });
  return env.client.userApi.getUser({ userId: profile.login });
}

async function statusOf(userId: string) {
  return (await env.client.userApi.getUser({ userId })).status;
}

const notAllowed = {
  status: 403,
  errorCode: 'E0000038',
  errorSummary: "This operation is not allowed in the user's current status.",
};

interface Expectation {
  /** Drives the operation through the SDK (through its HTTP layer where its method is defective). */
  call: (userId: string) => Promise<unknown>;
  /** The status each allowed starting status leads to; every other status is refused. */
  allowed: Partial<Record<Status, Status>>;
  refusal: (userId: string) => ExpectedOktaError;
  eventType: string;
}

// Okta's status machine, restated from its documentation (seeded users have a password once signed up).
const OPERATIONS: Record<string, Expectation> = {
  activate: {
    call: (userId) => env.client.userApi.activateUser({ userId, sendEmail: false }),
    allowed: { STAGED: 'PROVISIONED', DEPROVISIONED: 'ACTIVE' },
    refusal: () => ({ status: 403, errorCode: 'E0000016', errorSummary: 'Activation failed because the user is already active' }),
    eventType: 'user.lifecycle.activate',
  },
  reactivate: {
    call: (userId) => env.client.userApi.reactivateUser({ userId, sendEmail: false }),
    allowed: { PROVISIONED: 'PROVISIONED', RECOVERY: 'PROVISIONED' },
    refusal: () => notAllowed,
    eventType: 'user.lifecycle.reactivate',
  },
  deactivate: {
    call: (userId) => env.client.userApi.deactivateUser({ userId }),
    allowed: {
      STAGED: 'DEPROVISIONED',
      PROVISIONED: 'DEPROVISIONED',
      ACTIVE: 'DEPROVISIONED',
      RECOVERY: 'DEPROVISIONED',
      PASSWORD_EXPIRED: 'DEPROVISIONED',
      LOCKED_OUT: 'DEPROVISIONED',
      SUSPENDED: 'DEPROVISIONED',
    },
    refusal: (userId) => ({ status: 404, errorCode: 'E0000007', errorSummary: `Not found: Resource not found: ${userId} (User)` }),
    eventType: 'user.lifecycle.deactivate',
  },
  suspend: {
    call: (userId) => env.client.userApi.suspendUser({ userId }),
    allowed: { ACTIVE: 'SUSPENDED' },
    refusal: () => ({
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: suspendUser',
      causes: ['Cannot suspend a user that is not active'],
    }),
    eventType: 'user.lifecycle.suspend',
  },
  unsuspend: {
    call: (userId) => env.client.userApi.unsuspendUser({ userId }),
    allowed: { SUSPENDED: 'ACTIVE' },
    refusal: () => ({
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: unsuspendUser',
      causes: ['Cannot unsuspend a user that is not suspended'],
    }),
    eventType: 'user.lifecycle.unsuspend',
  },
  unlock: {
    call: (userId) => env.client.userApi.unlockUser({ userId }),
    allowed: { LOCKED_OUT: 'ACTIVE' },
    refusal: () => ({
      status: 403,
      errorCode: 'E0000032',
      errorSummary: 'Unlock is not allowed for this user.',
      causes: ['The user is not locked out.'],
    }),
    eventType: 'user.account.unlock',
  },
  expire_password: {
    call: (userId) => env.client.userApi.expirePassword({ userId }),
    allowed: { ACTIVE: 'PASSWORD_EXPIRED', PASSWORD_EXPIRED: 'PASSWORD_EXPIRED', LOCKED_OUT: 'PASSWORD_EXPIRED' },
    refusal: () => notAllowed,
    eventType: 'user.account.expire_password',
  },
  expire_password_with_temp_password: {
    call: (userId) => rawRequest(env, `/api/v1/users/${userId}/lifecycle/expire_password_with_temp_password`, { method: 'POST' }),
    allowed: {
      PROVISIONED: 'PASSWORD_EXPIRED',
      ACTIVE: 'PASSWORD_EXPIRED',
      RECOVERY: 'PASSWORD_EXPIRED',
      PASSWORD_EXPIRED: 'PASSWORD_EXPIRED',
      LOCKED_OUT: 'PASSWORD_EXPIRED',
    },
    refusal: () => notAllowed,
    eventType: 'user.account.expire_password',
  },
  reset_password: {
    call: (userId) => env.client.userApi.generateResetPasswordToken({ userId, sendEmail: false }),
    allowed: {
      PROVISIONED: 'RECOVERY',
      ACTIVE: 'RECOVERY',
      RECOVERY: 'RECOVERY',
      PASSWORD_EXPIRED: 'RECOVERY',
      LOCKED_OUT: 'RECOVERY',
    },
    refusal: () => notAllowed,
    eventType: 'user.account.reset_password',
  },
};

describe.each(Object.entries(OPERATIONS))('%s', (_operation, expectation) => {
  it.each(USER_STATUSES)('from %s', async (from) => {
    const user = await userIn(from);
    const before = logEntriesAbout(env, user.id!).length;
    const to = expectation.allowed[from];
    if (to === undefined) {
      await expectOktaError(expectation.call(user.id!), expectation.refusal(user.id!));
      expect(await statusOf(user.id!)).toBe(from);
      expect(logEntriesAbout(env, user.id!)).toHaveLength(before);
      return;
    }
    await expectation.call(user.id!);
    expect(await statusOf(user.id!)).toBe(to);
    const entries = logEntriesAbout(env, user.id!);
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)).toMatchObject({
      eventType: expectation.eventType,
      target: [
        { id: user.id, type: 'User', alternateId: user.profile!.login, displayName: `${user.profile!.firstName} ${user.profile!.lastName}` },
      ],
    });
  });
});

describe('what the operations answer', () => {
  it('activates a user with a password straight to ACTIVE, with nothing to hand out when the email is sent', async () => {
    const user = await userIn('STAGED', true);
    expect(await env.client.userApi.activateUser({ userId: user.id!, sendEmail: true })).toEqual({});
    expect(await statusOf(user.id!)).toBe('ACTIVE');
  });

  it('hands out a new activation link on reactivation unless asked to email it', async () => {
    const user = await userIn('PROVISIONED');
    const token = await env.client.userApi.reactivateUser({ userId: user.id! });
    expect(token.activationToken).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(token.activationUrl).toBe(`${env.emulator.url}/tokens/${token.activationToken}/verify`);
    const emailed = await env.client.userApi.reactivateUser({ userId: user.id!, sendEmail: true });
    expect(emailed.activationToken).toBeUndefined();
  });

  it('answers an expired password with the user, now PASSWORD_EXPIRED', async () => {
    const user = await userIn('ACTIVE');
    const expired = await env.client.userApi.expirePassword({ userId: user.id! });
    expect(expired.id).toBe(user.id);
    expect(expired.status).toBe('PASSWORD_EXPIRED');
    expect(Object.keys(expired._links ?? {})).toContain('changePassword');
  });

  it('gives a temporary password to a user who had none, and can end their sessions with it', async () => {
    const user = await userIn('PROVISIONED');
    expect(user.passwordChanged).toBeNull();
    const response = await rawRequest(env, `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?revokeSessions=true`, {
      method: 'POST',
    });
    expect(await response.json()).toEqual({ tempPassword: expect.stringMatching(/^[A-Za-z0-9]{8}$/) });
    const after = await env.client.userApi.getUser({ userId: user.id! });
    expect(after.status).toBe('PASSWORD_EXPIRED');
    expect(after.passwordChanged).toBeInstanceOf(Date);
    expect(after.credentials?.password).toEqual({});
    expect(logEntriesAbout(env, user.id!).map((entry) => entry.eventType).slice(-2)).toEqual([
      'user.account.expire_password',
      'user.session.clear',
    ]);
  });

  it('answers a password reset with its link when no email is sent, and with nothing when one is', async () => {
    const user = await userIn('ACTIVE');
    const token = await env.client.userApi.generateResetPasswordToken({ userId: user.id!, sendEmail: false });
    expect(token.resetPasswordUrl).toMatch(new RegExp(`^${env.emulator.url}/reset_password/[A-Za-z0-9]{20}$`));
    const emailed = await env.client.userApi.generateResetPasswordToken({ userId: user.id!, sendEmail: true, revokeSessions: true });
    expect(emailed.resetPasswordUrl).toBeUndefined();
    expect(logEntriesAbout(env, user.id!).map((entry) => entry.eventType).slice(-2)).toEqual([
      'user.account.reset_password',
      'user.session.clear',
    ]);
  });
});

// The links a user offers in each status, as Okta shows them for a single user.
const LINKS: Record<Status, string[]> = {
  STAGED: ['activate'],
  PROVISIONED: ['reactivate', 'resetPassword', 'deactivate'],
  ACTIVE: ['suspend', 'resetPassword', 'expirePassword', 'forgotPassword', 'changeRecoveryQuestion', 'deactivate', 'changePassword'],
  RECOVERY: ['reactivate', 'resetPassword', 'deactivate'],
  PASSWORD_EXPIRED: ['resetPassword', 'expirePassword', 'forgotPassword', 'changeRecoveryQuestion', 'deactivate', 'changePassword'],
  LOCKED_OUT: ['unlock', 'resetPassword', 'expirePassword', 'deactivate'],
  SUSPENDED: ['unsuspend', 'deactivate'],
  DEPROVISIONED: ['activate'],
};

describe('links', () => {
  /** A user's links as Okta sends them (the SDK's model lists every relation it knows, set or not). */
  async function linksOf(userId: string) {
    const response = await rawRequest(env, `/api/v1/users/${userId}`);
    return ((await response.json()) as { _links: Record<string, { href: string; method?: string }> })._links;
  }

  it.each(USER_STATUSES)('offers what a %s user can do, and each lifecycle link works', async (status) => {
    const user = await userIn(status);
    const links = await linksOf(user.id!);
    expect(Object.keys(links)).toEqual([...LINKS[status], 'self']);
    expect(links.self!.href).toBe(`${env.emulator.url}/api/v1/users/${user.id}`);
    for (const [rel, link] of Object.entries(links)) {
      if (rel === 'self') continue;
      expect(link.method).toBe('POST');
      expect(link.href.startsWith(`${env.emulator.url}/api/v1/users/${user.id}/`)).toBe(true);
      if (!link.href.includes('/lifecycle/')) continue;
      // Each link is followed from the status it was offered in.
      const fresh = await userIn(status);
      const response = await rawRequest(env, link.href.slice(env.emulator.url.length).replace(user.id!, fresh.id!), { method: 'POST' });
      expect(response.status).toBe(200);
    }
  });

  it('lists users with their self link only', async () => {
    const user = await userIn('ACTIVE');
    const response = await rawRequest(env, `/api/v1/users?search=${encodeURIComponent(`id eq "${user.id}"`)}`);
    const [listed] = (await response.json()) as Array<{ _links: Record<string, unknown> }>;
    expect(Object.keys(listed!._links)).toEqual(['self']);
    expect(Object.keys(await linksOf(user.id!))).toContain('suspend');
  });
});
