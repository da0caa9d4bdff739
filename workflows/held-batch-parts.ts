import { condition, defineSignal, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import type { ChangeEvent } from '../src/identity/change-event.ts';

/*
 * A held import's changes, kept in part workflows beside the held batch rather than in its own
 * history: one history of Temporal holds at most 50 MB, which 160,000 full records overflow,
 * while each part holds a bounded number of changes and the batch keeps only counts and part ids.
 */

/** A part of the held batch `batch`: its changes wait here until the batch is decided. */
export interface HeldBatchPartInput {
  /** The held batch's workflow id. */
  batch: string;
  /** The batch id that released changes are marked with (`clearedBy`): the guard has cleared them already. */
  batchId: string;
  index: number;
  events: ChangeEvent[];
}

export interface HeldBatchPartResult {
  decision: 'approved' | 'rejected';
  delivered: number;
}

/** The held batch's decision, passed on to each of its parts; only the first counts. */
export const heldPartDecisionSignal = defineSignal<[{ decision: HeldBatchPartResult['decision'] }]>('heldPartDecision');

export const heldPartWorkflowId = (batch: string, index: number) => `${batch}/part/${index}`;

const { deliverChanges } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/** Events per delivery activity: its input stays far below Temporal's payload limit. */
const DELIVERY_CHUNK = 500;

/** Hands released changes to their identity workflows, marked as cleared by the batch that held them. */
export async function deliverCleared(events: ChangeEvent[], batchId: string): Promise<number> {
  const cleared = events.map((event) => ({ ...event, clearedBy: batchId }));
  for (let start = 0; start < cleared.length; start += DELIVERY_CHUNK) {
    await deliverChanges.executeWithOptions({ summary: `deliver ${start + 1}–${Math.min(start + DELIVERY_CHUNK, cleared.length)} of ${cleared.length}` }, [
      { events: cleared.slice(start, start + DELIVERY_CHUNK) },
    ]);
  }
  return cleared.length;
}

/** One part of a held batch: waits for the batch's decision, then delivers its changes or drops them. */
export async function heldBatchPart(input: HeldBatchPartInput): Promise<HeldBatchPartResult> {
  let decision: HeldBatchPartResult['decision'] | undefined;
  setHandler(heldPartDecisionSignal, (signal) => {
    decision ??= signal.decision;
  });
  const about = `**Part ${input.index + 1} of ${input.batch}**: ${input.events.length} changes`;
  setCurrentDetails(`${about}, waiting for the decision on \`${input.batch}\``);
  await condition(() => decision !== undefined);
  if (decision === 'rejected') {
    setCurrentDetails(`${about}, rejected: none delivered`);
    return { decision, delivered: 0 };
  }
  const delivered = await deliverCleared(input.events, input.batchId);
  setCurrentDetails(`${about}, approved: all delivered`);
  return { decision: 'approved', delivered };
}
