import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_RATE_LIMITS_NOTICE } from '../../src/emulator/okta/rate-limits.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: TenureStack;
const printed: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ oktaEmulatorFastRateLimits: true }, { log: (line) => printed.push(line) });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('TENURE_OKTA_EMULATOR_RATE_LIMITS=fast', () => {
  it("has the sandbox's emulator allow a hundred times Okta's limits, and the start say so in one line", async () => {
    const response = await fetch(`${stack.oktaUrl}/api/v1/logs`, { headers: { authorization: 'SSWS tenure-sandbox-token' } });
    expect(response.headers.get('x-rate-limit-limit')).toBe('12000');
    expect(printed.filter((line) => /rate limit/i.test(line))).toEqual([FAST_RATE_LIMITS_NOTICE]);
  });
});
