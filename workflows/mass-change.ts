import { defineSignal } from '@temporalio/workflow';
import type { GuardLimits } from '../src/guard/limits.ts';

/** An identity workflow's request to deprovision, as the guard receives it. */
export interface ClearanceRequest {
  workflowId: string;
  key: string;
  eventId: string;
  /** The configured limits, sent with every request so that a changed configuration applies at once. */
  limits: GuardLimits;
  /** Who hears of a held mass change. */
  admins: string;
}

export const clearanceRequestSignal = defineSignal<[ClearanceRequest]>('clearanceRequest');

export const guardWorkflowId = (source: string) => `guard/${source}`;
export const heldBatchWorkflowId = (source: string, batchId: string) => `held/${source}/${batchId}`;

/** The template administrators hear of a held mass change by, and what it is given. */
export const MASS_CHANGE_TEMPLATE = 'mass-change-held';

export interface MassChangeNotice {
  massChange: {
    /** A whole import, rather than a burst of events from the source. */
    import: boolean;
    source: string;
    workflowId: string;
    reason: string;
    /** How many deprovisionings are held so far. */
    count: number;
    /** The first identities held, comma separated, for the administrator to recognise the change. */
    sample: string;
  };
}

/** How many held identities a notice or the UI names; the rest are counted. */
export const SAMPLE_SIZE = 20;
