import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The end-to-end benchmark's baseline: a workflow shaped like an identity workflow handling a
 * joiner (started by signal-with-start, then one activity after another) whose activities do
 * nothing, so that what it measures is Temporal alone.
 */

export const goSignal = defineSignal('go');

export interface NoopActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });

export async function noopWorkflow(activities: number): Promise<void> {
  let signalled = false;
  setHandler(goSignal, () => {
    signalled = true;
  });
  await condition(() => signalled);
  for (let i = 0; i < activities; i++) await noop();
}
