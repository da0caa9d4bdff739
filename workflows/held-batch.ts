import { condition, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import { approveUpdate, heldChunksQuery, heldEventsSignal, rejectUpdate, type ApprovalAnswer, type ApprovalRequest } from './definitions.ts';
import { MASS_CHANGE_TEMPLATE, type MassChangeNotice } from './mass-change.ts';

export interface HeldBatchInput {
  source: string;
  batchId: string;
  reason: string;
  /** What the batch would do, by lifecycle: joiners, movers, leavers … */
  summary: Record<string, number>;
  /** How many chunks the batch's events arrive in; the first is `events`, the rest come by signal. */
  chunks: number;
  events: ChangeEvent[];
  /** The first keys whose changes deprovision (absent from the export or marked as gone), and how many there are. */
  deprovisioningSample: string[];
  deprovisioningCount: number;
  admins: string;
}

export interface HeldBatchResult {
  decision: ApprovalAnswer['decision'];
  by: string | undefined;
  delivered: number;
}

const { notify, deliverChanges } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/** Events per delivery activity: its input stays far below Temporal's payload limit. */
const DELIVERY_CHUNK = 500;

/**
 * An import that would deprovision more than the limits allow, held whole: nothing of it is
 * applied until an administrator approves (every change is then delivered, its deprovisionings
 * already cleared) or rejects it (nothing is).
 */
export async function heldBatch(input: HeldBatchInput): Promise<HeldBatchResult> {
  const chunks = new Map<number, ChangeEvent[]>([[0, input.events]]);
  let decision: { decision: ApprovalAnswer['decision']; by: string | undefined } | undefined;
  const received = () => chunks.size >= input.chunks;

  setHandler(heldChunksQuery, () => [...chunks.keys()]);
  setHandler(heldEventsSignal, ({ index, events }) => {
    if (index < input.chunks) chunks.set(index, events);
  });
  for (const [update, answer] of [
    [approveUpdate, 'approved'],
    [rejectUpdate, 'rejected'],
  ] as const) {
    setHandler(
      update,
      (request: ApprovalRequest): ApprovalAnswer => {
        decision = { decision: answer, by: request.by };
        return { id: workflowInfo().workflowId, action: `the held ${input.source} import ${input.batchId}`, decision: answer };
      },
      {
        validator: (_request: ApprovalRequest) => {
          if (decision) throw new Error(`${workflowInfo().workflowId} was ${decision.decision} already`);
          // Rejecting needs none of the changes: a batch whose holder died mid-way can still be dropped.
          if (answer === 'approved' && !received()) throw new Error(`${workflowInfo().workflowId} is still receiving its changes (${chunks.size} of ${input.chunks} parts)`);
        },
      },
    );
  }

  await condition(() => received() || decision !== undefined);
  if (decision === undefined) {
    show('held');
    await notify.executeWithOptions({ summary: `import held · ${input.source}` }, [
      {
        template: MASS_CHANGE_TEMPLATE,
        to: input.admins,
        context: {
          massChange: { import: true, source: input.source, workflowId: workflowInfo().workflowId, reason: input.reason, count: input.deprovisioningCount, sample: input.deprovisioningSample.join(', ') },
        } satisfies MassChangeNotice,
        messageId: `<${workflowInfo().workflowId}@tenure>`,
      },
    ]);
  }
  await condition(() => decision !== undefined);
  if (decision!.decision === 'rejected') {
    show(`rejected by ${decision!.by ?? 'an administrator'}; nothing was applied`);
    return { ...decision!, delivered: 0 };
  }
  show(`approved by ${decision!.by ?? 'an administrator'}; delivering`);
  const cleared = Array.from({ length: input.chunks }, (_, index) => chunks.get(index)!).flatMap((events) => events.map((event) => ({ ...event, clearedBy: input.batchId })));
  for (let start = 0; start < cleared.length; start += DELIVERY_CHUNK) {
    await deliverChanges.executeWithOptions({ summary: `deliver ${start + 1}–${Math.min(start + DELIVERY_CHUNK, cleared.length)} of ${cleared.length}` }, [
      { events: cleared.slice(start, start + DELIVERY_CHUNK) },
    ]);
  }
  show(`approved by ${decision!.by ?? 'an administrator'}; all ${cleared.length} changes delivered`);
  return { ...decision!, delivered: cleared.length };

  function show(status: string): void {
    const counts = Object.entries(input.summary).map(([name, count]) => `${name} ${count}`).join(', ');
    setCurrentDetails(
      [
        `**Held ${input.source} import ${input.batchId}**: ${status}`,
        `Why: ${input.reason}`,
        `It would apply: ${counts}`,
        `Leavers: ${input.deprovisioningSample.join(', ')}${input.deprovisioningCount > input.deprovisioningSample.length ? ` and ${input.deprovisioningCount - input.deprovisioningSample.length} more` : ''}`,
        `Release: \`tenure approve ${workflowInfo().workflowId}\` · drop: \`tenure reject ${workflowInfo().workflowId}\``,
      ].join('  \n'),
    );
  }
}
