import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';

/**
 * The ApplicationFailure a target's operation fails with, as the Temporal activity would throw it;
 * the test fails if the operation succeeds, throws anything else, or its message holds `secret`.
 */
export async function targetFailure(operation: Promise<unknown>, secret?: string): Promise<ApplicationFailure> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  if (secret !== undefined) expect((error as Error).message).not.toContain(secret);
  return error as ApplicationFailure;
}
