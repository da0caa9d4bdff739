import type { TenureConfig } from '../../src/runtime/config.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';
import { isolatedConfig } from '../../src/runtime/isolated-config.ts';
import { startTenure, type StackOptions, type TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery, type IdentityStatus } from '../../workflows/definitions.ts';
import { expect } from 'vitest';

export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-of-32-bytes-or-more';

/**
 * The whole of Tenure on its embedded defaults (real Temporal dev server, worker, Okta emulator,
 * SMTP catcher) on free ports and a fresh data folder, so test files never share state.
 */
export async function startTestStack(overrides: Partial<TenureConfig> = {}, options: Omit<StackOptions, 'headless'> = {}): Promise<TenureStack> {
  const config = await isolatedConfig('test', {
    hrWebhookSecret: TEST_WEBHOOK_SECRET,
    taskQueue: `tenure-test-${process.pid}`,
    // A test file's leavers are its subject, not a mass change; the guard's own tests set its limits.
    guard: { maxCount: 1000, maxShare: 1, windowMs: 3_600_000 },
    // Okta is polled and reconciled when a test says so, not on a schedule of its own.
    oktaReconcileIntervalMs: undefined,
    oktaLogPollIntervalMs: undefined,
    ...overrides,
  });
  return startTenure(config, { ...options, headless: true });
}

/**
 * Waits for asynchronous work (a workflow acting on Okta) to reach the state `check` asserts.
 * The bound only keeps a broken run from hanging; no assertion depends on how fast it is.
 */
export async function eventually<T>(check: () => Promise<T> | T, { within = 60_000, every = 200 } = {}): Promise<T> {
  const deadline = Date.now() + within;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  }
}

/** Posts a body to the stack's HR intake as an HR system would: signed with the test secret. */
export async function postHr(stack: Pick<TenureStack, 'intakeUrl'>, body: string): Promise<Response> {
  return fetch(`${stack.intakeUrl}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) },
    body,
  });
}

/**
 * Waits until the identity workflow has handled `eventId` (applied or failed), then checks its
 * status; the bound only keeps a broken run from hanging.
 */
export async function handledEvent(
  stack: Pick<TenureStack, 'client'>,
  workflowId: string,
  eventId: string,
  check: (status: IdentityStatus) => void = () => {},
): Promise<IdentityStatus> {
  return eventually(async () => {
    const status = await stack.client.workflow.getHandle(workflowId).query(statusQuery);
    expect(status.lastEventId).toBe(eventId);
    check(status);
    return status;
  });
}
