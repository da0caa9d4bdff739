import { condition, patched, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import { approveUpdate, heldChunksQuery, heldEventsSignal, heldPartsSignal, rejectUpdate, type ApprovalAnswer, type ApprovalRequest } from './definitions.ts';
import { provenDecider, type DecisionLedger } from './decision-proof.ts';
import { deliverCleared, heldPartWorkflowId } from './held-batch-parts.ts';
import { refusalLines } from './identity-state.ts';
import { MASS_CHANGE_TEMPLATE, type MassChangeNotice } from './mass-change.ts';

interface HeldBatchAbout {
  source: string;
  batchId: string;
  reason: string;
  /** What the batch would do, by lifecycle: joiners, movers, leavers … */
  summary: Record<string, number>;
  /** The first keys whose changes deprovision (absent from the export or marked as gone), and how many there are. */
  deprovisioningSample: string[];
  deprovisioningCount: number;
  admins: string;
}

/**
 * A batch held by Tenure before its changes moved out of the batch's history: every change sits
 * in it, the first chunk in its input and the rest by signal. Such batches may still be running.
 */
export interface HeldInEvents {
  /** How many chunks the batch's events arrive in; the first is `events`, the rest come by signal. */
  chunks: number;
  events: ChangeEvent[];
}

/** A batch whose changes wait in `parts` part workflows (workflows/held-batch-parts.ts); it keeps only counts. */
export interface HeldInParts {
  parts: number;
  /** How many changes the parts hold together. */
  changes: number;
}

export type HeldBatchInput = HeldBatchAbout & (HeldInEvents | HeldInParts);

export interface HeldBatchResult {
  decision: ApprovalAnswer['decision'];
  by: string | undefined;
  delivered: number;
}

const { notify } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/** Passing the decision on to every part lasts as long as their deliveries; its heartbeats show it alive. */
const { settleHeldParts } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/** Batches with their changes in parts start with this marker; histories from before it hold their changes themselves. */
const HELD_IN_PARTS = 'held-in-parts';

/** Where a held batch's changes are: how many of its pieces arrived, and how to deliver or drop them once decided. */
interface HeldChanges {
  received(): number;
  expected: number;
  deliver(): Promise<number>;
  drop(): Promise<void>;
  /** What the UI says of where the changes wait. */
  where: string | undefined;
}

/** The changes in the batch's own history, as older Tenure held them. */
function changesInEvents(input: HeldBatchAbout & HeldInEvents): HeldChanges {
  const chunks = new Map<number, ChangeEvent[]>([[0, input.events]]);
  setHandler(heldChunksQuery, () => [...chunks.keys()]);
  setHandler(heldEventsSignal, ({ index, events }) => {
    if (index < input.chunks) chunks.set(index, events);
  });
  return {
    received: () => chunks.size,
    expected: input.chunks,
    deliver: () => deliverCleared(Array.from({ length: input.chunks }, (_, index) => chunks.get(index)!).flat(), input.batchId),
    drop: async () => {},
    where: undefined,
  };
}

/** The changes in part workflows, which the holder starts and announces; the decision is passed on to them. */
function changesInParts(input: HeldBatchAbout & HeldInParts): HeldChanges {
  const received = new Set<number>();
  setHandler(heldChunksQuery, () => [...received]);
  setHandler(heldPartsSignal, ({ indexes }) => {
    for (const index of indexes) if (index >= 0 && index < input.parts) received.add(index);
  });
  const batch = workflowInfo().workflowId;
  return {
    received: () => received.size,
    expected: input.parts,
    deliver: () => settleHeldParts({ batch, parts: input.parts, decision: 'approved' }),
    drop: async () => {
      await settleHeldParts({ batch, parts: input.parts, decision: 'rejected' });
    },
    where: `Changes: ${input.changes} in ${input.parts} part workflows, \`${heldPartWorkflowId(batch, 0)}\`${input.parts > 1 ? ` to \`${heldPartWorkflowId(batch, input.parts - 1)}\`` : ''}`,
  };
}

/**
 * An import that would deprovision more than the limits allow, held whole: nothing of it is
 * applied until an administrator approves (every change is then delivered, its deprovisionings
 * already cleared) or rejects it (nothing is).
 */
export async function heldBatch(input: HeldBatchInput): Promise<HeldBatchResult> {
  // Only a batch started with parts takes the new path; one started with its events replays as before.
  const changes = 'parts' in input && patched(HELD_IN_PARTS) ? changesInParts(input) : changesInEvents(input as HeldBatchAbout & HeldInEvents);
  const received = () => changes.received() >= changes.expected;
  const ledger: DecisionLedger = {};
  const decided = decisionHandlers(input, changes, received, ledger, () => show('held'));

  await condition(() => received() || decided() !== undefined);
  if (decided() === undefined) {
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
  await condition(() => decided() !== undefined);
  const decision = decided()!;
  if (decision.decision === 'rejected') {
    await changes.drop();
    show(`rejected by ${decision.by ?? 'an administrator'}; nothing was applied`);
    return { ...decision, delivered: 0 };
  }
  show(`approved by ${decision.by ?? 'an administrator'}; delivering`);
  const delivered = await changes.deliver();
  show(`approved by ${decision.by ?? 'an administrator'}; all ${delivered} changes delivered`);
  return { ...decision, delivered };

  function show(status: string): void {
    const counts = Object.entries(input.summary).map(([name, count]) => `${name} ${count}`).join(', ');
    setCurrentDetails(
      [
        `**Held ${input.source} import ${input.batchId}**: ${status}`,
        `Why: ${input.reason}`,
        `It would apply: ${counts}`,
        `Leavers: ${input.deprovisioningSample.join(', ')}${input.deprovisioningCount > input.deprovisioningSample.length ? ` and ${input.deprovisioningCount - input.deprovisioningSample.length} more` : ''}`,
        ...(changes.where ? [changes.where] : []),
        ...refusalLines(ledger.refusedDecisions),
        `Release: \`tenure approve ${workflowInfo().workflowId}\` · drop: \`tenure reject ${workflowInfo().workflowId}\``,
      ].join('  \n'),
    );
  }
}

/**
 * The approve and reject updates, the one place a held batch is decided: the first decision
 * counts, and approving waits until every change has arrived.
 */
function decisionHandlers(
  input: HeldBatchAbout,
  changes: HeldChanges,
  received: () => boolean,
  ledger: DecisionLedger,
  refused: () => void,
): () => { decision: ApprovalAnswer['decision']; by: string | undefined } | undefined {
  let decision: { decision: ApprovalAnswer['decision']; by: string | undefined } | undefined;
  for (const [update, answer] of [
    [approveUpdate, 'approved'],
    [rejectUpdate, 'rejected'],
  ] as const) {
    const stillOpen = () => {
      if (decision) throw new Error(`${workflowInfo().workflowId} was ${decision.decision} already`);
      // Rejecting needs none of the changes: a batch whose holder died mid-way can still be dropped.
      if (answer === 'approved' && !received()) throw new Error(`${workflowInfo().workflowId} is still receiving its changes (${changes.received()} of ${changes.expected} parts)`);
    };
    setHandler(
      update,
      async (request: ApprovalRequest): Promise<ApprovalAnswer> => {
        // The same check as the guard's: the approvers of mass changes configured on the worker.
        const { by, verified } = await provenDecider(request, { approval: workflowInfo().workflowId, decision: answer }, ledger, { stillOpen, refused });
        decision = { decision: answer, by };
        const reply: ApprovalAnswer = { id: workflowInfo().workflowId, action: `the held ${input.source} import ${input.batchId}`, decision: answer };
        // Answered as before signed decisions when replaying one of their histories.
        return verified ? { ...reply, by } : reply;
      },
      { validator: (_request: ApprovalRequest) => stillOpen() },
    );
  }
  return () => decision;
}
