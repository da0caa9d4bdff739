import { expect } from 'vitest';
import type { TenureStack } from '../../src/runtime/stack.ts';

/** Makes the emulated org lose its next event hook delivery, as Okta does after its one retry. */
export async function loseNextHookDelivery(stack: TenureStack, emulatorToken: string): Promise<void> {
  const response = await fetch(`${stack.oktaUrl}/emulator/v1/event-hooks/drop`, {
    method: 'POST',
    headers: { authorization: `SSWS ${emulatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1 }),
  });
  expect(response.status).toBe(200);
}
