import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import { massChangeReason, SHARE_FLOOR } from '../src/guard/limits.ts';
import { approveUpdate, clearanceSignal, rejectUpdate, type ApprovalAnswer, type ApprovalRequest, type Clearance } from './definitions.ts';
import { clearanceRequestSignal, guardWorkflowId, MASS_CHANGE_TEMPLATE, SAMPLE_SIZE, type ClearanceRequest, type MassChangeNotice } from './mass-change.ts';
import { provenDecider, type DecisionLedger } from './decision-proof.ts';
import { refusalLines } from './identity-state.ts';

export interface GuardState extends DecisionLedger {
  /** The deprovisionings cleared in the current window: which (workflow and event), and when. */
  cleared: Array<{ id: string; at: string }>;
  /** Requests held since the limits were exceeded, oldest first. */
  held: ClearanceRequest[];
  heldSince: string | undefined;
  reason: string | undefined;
}

export interface GuardInput {
  source: string;
  carried?: { state: GuardState; queue: ClearanceRequest[] };
}

const requestId = ({ workflowId, eventId }: ClearanceRequest) => `${workflowId} ${eventId}`;

const { countActiveIdentities, notify } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/**
 * The mass-change guard of one source: every deprovisioning asks it first. Within the limits it
 * clears at once; beyond them it holds that request and every later one, tells the
 * administrators, and waits for `tenure approve` (release all) or `tenure reject` (drop all).
 * The held identities wait in their own workflows, so nothing they receive meanwhile overtakes.
 */
export async function massChangeGuard(input: GuardInput): Promise<void> {
  const { source } = input;
  const state: GuardState = input.carried?.state ?? { cleared: [], held: [], heldSince: undefined, reason: undefined };
  const queue: ClearanceRequest[] = [...(input.carried?.queue ?? [])];
  const decided: Array<{ decision: ApprovalAnswer['decision']; by: string | undefined }> = [];

  setHandler(clearanceRequestSignal, (request) => {
    queue.push(request);
  });
  for (const [update, decision] of [
    [approveUpdate, 'approved'],
    [rejectUpdate, 'rejected'],
  ] as const) {
    // A decision without a valid proof passes the validator, so that it is in the history, and is refused by the handler.
    setHandler(update, (request: ApprovalRequest) => decide(decision, request), { validator: (_request: ApprovalRequest) => void heldOrThrow() });
  }
  show();

  for (;;) {
    await condition(() => queue.length > 0 || decided.length > 0 || workflowInfo().continueAsNewSuggested);
    if (decided.length > 0) {
      await release(decided.shift()!);
    } else if (queue.length > 0) {
      await consider(queue.shift()!);
    } else {
      // A decision still being verified would be lost with this run: it is answered first.
      await condition(allHandlersFinished);
      await continueAsNew<typeof massChangeGuard>({ source, carried: { state, queue } });
    }
    show();
  }

  async function consider(request: ClearanceRequest): Promise<void> {
    // A request sent again (its activity retried after the signal went through) is answered again, not counted again.
    const id = requestId(request);
    const known = state.cleared.some((cleared) => cleared.id === id) ? 'cleared' : state.held.some((held) => requestId(held) === id) ? 'held' : undefined;
    if (known) {
      await answer(request, { eventId: request.eventId, decision: known });
      return;
    }
    if (state.held.length > 0) {
      state.held.push(request);
      await answer(request, { eventId: request.eventId, decision: 'held' });
      return;
    }
    const now = Date.now();
    state.cleared = state.cleared.filter(({ at }) => now - Date.parse(at) < request.limits.windowMs);
    const count = state.cleared.length + 1;
    // Below the share's floor the share cannot be exceeded, so the count of active identities is not needed.
    const active = count > SHARE_FLOOR ? await countActiveIdentities({ source }) : 0;
    const reason = massChangeReason(request.limits, count, active);
    if (!reason) {
      state.cleared.push({ id, at: new Date(now).toISOString() });
      await answer(request, { eventId: request.eventId, decision: 'cleared' });
      return;
    }
    log.warn('Mass change held', { source, reason });
    Object.assign(state, { held: [request], heldSince: new Date(now).toISOString(), reason });
    await answer(request, { eventId: request.eventId, decision: 'held' });
    const { workflowId } = workflowInfo();
    await notify.executeWithOptions({ summary: `mass change held · ${source}` }, [
      {
        template: MASS_CHANGE_TEMPLATE,
        to: request.admins,
        context: { massChange: { import: false, source, workflowId, reason, count: 1, sample: request.key } } satisfies MassChangeNotice,
        messageId: `<held.${state.heldSince}.${workflowId}@tenure>`,
      },
    ]);
  }

  function heldOrThrow(): void {
    if (state.held.length === 0) throw new Error(`${guardWorkflowId(source)}: nothing is held`);
    // Two administrators answering at once: the first answer stands, and the second must not sweep up what arrives meanwhile.
    if (decided.length > 0) throw new Error(`${guardWorkflowId(source)}: the held deprovisionings were ${decided[0]!.decision} already`);
  }

  /**
   * Takes a decision whose proof holds, by the person it names (TENURE_GUARD_APPROVERS,
   * TENURE_GUARD_APPROVER_GROUPS say who may); checked again after the proof's check, since
   * another administrator may have answered meanwhile.
   */
  async function decide(decision: ApprovalAnswer['decision'], request: ApprovalRequest): Promise<ApprovalAnswer> {
    heldOrThrow();
    const { by, verified } = await provenDecider(request, { approval: guardWorkflowId(source), decision }, state, { stillOpen: heldOrThrow, refused: show });
    decided.push({ decision, by });
    const answer: ApprovalAnswer = { id: guardWorkflowId(source), action: `${state.held.length + queue.length} held deprovisionings`, decision };
    // Answered as before signed decisions when replaying one of their histories.
    return verified ? { ...answer, by } : answer;
  }

  /**
   * Answers every held request, and those that queued meanwhile. An approved burst starts the
   * window anew; a rejected one leaves it as it was, so a source that keeps sending is held again.
   */
  async function release({ decision, by }: (typeof decided)[number]): Promise<void> {
    const held = [...state.held, ...queue.splice(0)];
    // Who decided is in the update's answer in the history, not in the log: a login is personal data.
    log.info(`Mass change ${decision}`, { source, count: held.length });
    Object.assign(state, { held: [], heldSince: undefined, reason: undefined });
    if (decision === 'approved') state.cleared = [];
    const clearance = decision === 'approved' ? 'cleared' : 'rejected';
    for (const request of held) await answer(request, { eventId: request.eventId, decision: clearance, by });
  }

  async function answer(request: ClearanceRequest, clearance: Clearance): Promise<void> {
    try {
      await getExternalWorkflowHandle(request.workflowId).signal(clearanceSignal, clearance);
    } catch (error) {
      // An identity workflow that is gone has nothing left to deprovision.
      log.warn('An identity workflow could not be answered', { workflowId: request.workflowId, error: (error as Error).message });
    }
  }

  function show(): void {
    if (state.held.length === 0) {
      setCurrentDetails([`**Mass-change guard of ${source}**: open`, `${state.cleared.length} deprovisionings cleared in the current window`, ...refusalLines(state.refusedDecisions)].join('  \n'));
      return;
    }
    const keys = state.held.slice(0, SAMPLE_SIZE).map(({ key }) => key);
    setCurrentDetails(
      [
        `**Mass-change guard of ${source}**: HOLDING ${state.held.length} deprovisionings since ${state.heldSince}`,
        `Why: ${state.reason}`,
        `Held: ${keys.join(', ')}${state.held.length > keys.length ? ` and ${state.held.length - keys.length} more` : ''}`,
        `Release: \`tenure approve ${guardWorkflowId(source)}\` · drop: \`tenure reject ${guardWorkflowId(source)}\``,
        ...refusalLines(state.refusedDecisions),
      ].join('  \n'),
    );
  }
}
