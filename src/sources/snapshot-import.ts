import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { heldBatchWorkflowId } from '../../workflows/definitions.ts';
import { heldBatchOf, holdBatch } from '../guard/held-batch.ts';
import { deprovisions, massChangeReason, type GuardLimits } from '../guard/limits.ts';
import type { ChangeEvent } from '../identity/change-event.ts';
import { deliverAll } from '../identity/deliver.ts';
import { classify, sameRecord, type Lifecycle } from '../policy/classify.ts';
import type { PolicySet } from '../policy/loader.ts';
import type { Plan } from '../policy/planner.ts';
import type { IdentityRecord } from '../policy/schema.ts';
import { snapshotKey, snapshotKeyAttribute, SnapshotPlanner, type SnapshotPlan } from '../policy/snapshot.ts';
import { countActiveIdentities, listKnownIdentities, type KnownIdentity } from './known-identities.ts';

export interface SnapshotImportInput {
  source: string;
  /** Every identity the source holds now. */
  records: IdentityRecord[];
  /** Names the import in event ids and a held batch. */
  batchId: string;
  /** ISO instant. */
  now: string;
  /** Fields a source adds to each event, e.g. the Okta user id. */
  eventFields?: (key: string, record: IdentityRecord | null) => Partial<ChangeEvent>;
}

export interface ImportSummary {
  batchId: string;
  joiners: number;
  movers: number;
  leavers: number;
  rehires: number;
  /** Changed records that are none of the above, including changes no policy acts on. */
  updates: number;
  /** Rows whose record Tenure already holds: no event, no work. */
  unchanged: number;
  /** Changes that take access away, now or later: what the mass-change guard counts. */
  deprovisions: number;
  held: { workflowId: string; reason: string } | undefined;
  delivered: number;
}

export interface SnapshotImportDeps {
  client: Client;
  taskQueue: string;
  policySet: PolicySet;
  guard: GuardLimits;
  /** Who hears of an import the guard holds. */
  admins: string;
  /** Changes per part workflow of a held import (src/guard/held-batch.ts); the default suits production. */
  heldPartSize?: number;
  /**
   * What Tenure knows of the source when the caller has it already (the held-import benchmark's
   * baseline, which a million identity workflows would take hours to lay down), each identity with
   * a record counted active for the guard's share; unset, both are read from Temporal's visibility store.
   */
  known?: ReadonlyMap<string, KnownIdentity>;
}

export interface PlannedImport {
  /** The whole plan, every row's, for a dry run's table; an import plans only its changes and has none. */
  plan: SnapshotPlan | undefined;
  events: ChangeEvent[];
  /** The keys whose changes take access away, now or later. */
  deprovisioning: string[];
  summary: ImportSummary;
}

/**
 * A record as text that is equal for equal records, for event ids: attributes in order, and
 * without null values, which the classifier takes for absent ones.
 */
function canonical(record: IdentityRecord | null | undefined): string {
  if (!record) return 'null';
  return JSON.stringify(
    Object.keys(record)
      .sort()
      .flatMap((name) => (record[name] === null ? [] : [[name, record[name]]])),
  );
}

/**
 * The same import run again gives the same ids, which the identity workflows drop as applied; a
 * later export gives new ones, even for a change back to an earlier record.
 */
function importEventId(source: string, batchId: string, key: string, previous: IdentityRecord | null | undefined, next: IdentityRecord | null): string {
  const digest = createHash('sha256').update(JSON.stringify([key, canonical(previous), canonical(next)])).digest('hex').slice(0, 16);
  return `${source}-import:${batchId}:${digest}`;
}

/** What the summary calls an identity whose policies classify its change differently: the most consequential. */
const COUNTED: ReadonlyArray<[Lifecycle, 'leavers' | 'rehires' | 'joiners' | 'movers']> = [
  ['leaver', 'leavers'],
  ['rehire', 'rehires'],
  ['joiner', 'joiners'],
  ['mover', 'movers'],
];

/**
 * Compares what a source holds now with what Tenure knows of it, without acting: the plan, the
 * events to deliver, and their summary. A row whose record Tenure holds already becomes no
 * event at all; a known identity missing from the records becomes a leaver.
 *
 * `wholePlan` (a dry run) plans every row and keeps each changed identity's plan for the table.
 * Without it, only the changes are planned, for the summary and the guard, and each plan is
 * dropped once counted: an import of a million rows keeps its events and counts, not a plan per
 * row, and an export mostly unchanged costs little planning.
 */
export function planImport(
  policySet: PolicySet,
  input: SnapshotImportInput,
  known: ReadonlyMap<string, KnownIdentity>,
  options: { wholePlan?: boolean } = {},
): PlannedImport {
  const { source, batchId, now } = input;
  const keyAttribute = snapshotKeyAttribute(policySet, source);
  const policies = policySet.policies.filter(({ policy }) => policy.source === source).map(({ policy }) => policy);
  const wholePlan = options.wholePlan ?? true;
  const planner = new SnapshotPlanner(policySet, source, now, wholePlan);
  const summary: ImportSummary = { batchId, joiners: 0, movers: 0, leavers: 0, rehires: 0, updates: 0, unchanged: 0, deprovisions: 0, held: undefined, delivered: 0 };
  const events: ChangeEvent[] = [];
  const deprovisioning: string[] = [];

  const change = (key: string, before: IdentityRecord | null | undefined, record: IdentityRecord | null, planned: Plan | undefined) => {
    events.push({ source, key, eventId: importEventId(source, batchId, key, before, record), record, receivedAt: now, ...input.eventFields?.(key, record) });
    // A change without steps is not in the snapshot plan; its policies still say what it is.
    const lifecycles = planned ? Object.values(planned.lifecycles) : policies.map((policy) => classify(policy, before, record));
    const counted = COUNTED.find(([lifecycle]) => lifecycles.includes(lifecycle));
    summary[counted ? counted[1] : 'updates']++;
    if (planned && deprovisions(planned)) deprovisioning.push(key);
  };

  const present = new Set<string>();
  input.records.forEach((record, index) => {
    // Refuses a row without a key, and a key given twice.
    const key = snapshotKey(record, keyAttribute, 'the snapshot', index, present);
    present.add(key);
    const before = known.get(key)?.record;
    if (before && sameRecord(before, record)) {
      summary.unchanged++;
      if (wholePlan) planner.add(key, before, record);
    } else change(key, before, record, planner.add(key, before ?? undefined, record));
  });
  for (const [key, { record }] of known) if (record && !present.has(key)) change(key, record, null, planner.add(key, record, null));
  summary.deprovisions = deprovisioning.length;
  return { plan: wholePlan ? planner.result : undefined, events, deprovisioning, summary };
}

/** The guard's base: the active identities in Temporal, or of the records a caller gave as known. */
async function activeIdentities(deps: SnapshotImportDeps, source: string): Promise<number> {
  if (deps.known === undefined) return countActiveIdentities(deps.client, source);
  let active = 0;
  for (const { record } of deps.known.values()) if (record) active++;
  return active;
}

/**
 * Imports everything a source holds now (an HR export, a full pass over Okta's users): plans it
 * against what Tenure knows, then delivers the changes to the identity workflows, or, when they
 * would deprovision more than the guard allows, holds them all for an administrator. A dry run
 * only plans, and returns the whole plan. `onProgress` hears (0, total) as delivery starts, then
 * each delivered change; `onHeld` hears how many changes a held import has put aside so far.
 */
export async function importSnapshot(
  deps: SnapshotImportDeps,
  input: SnapshotImportInput,
  options: { dryRun?: boolean; onProgress?: (done: number, total: number) => void; onHeld?: (done: number, total: number) => void } = {},
): Promise<{ summary: ImportSummary; plan: SnapshotPlan | undefined }> {
  // Not kept: what Tenure knew is let go once compared.
  const { plan, events, deprovisioning, summary } = planImport(deps.policySet, input, deps.known ?? (await listKnownIdentities(deps.client, input.source)), {
    wholePlan: options.dryRun ?? false,
  });
  if (options.dryRun || events.length === 0) return { summary, plan };
  // Compared with what Tenure knew before the held import, this one would undo or repeat it.
  const waiting = await heldBatchOf(deps.client, input.source);
  if (waiting !== undefined && waiting !== heldBatchWorkflowId(input.source, input.batchId)) {
    return { summary: { ...summary, held: { workflowId: waiting, reason: `an earlier import of ${input.source} waits for an administrator's decision` } }, plan };
  }
  const reason = massChangeReason(deps.guard, summary.deprovisions, await activeIdentities(deps, input.source));
  if (reason !== undefined) {
    const { joiners, movers, leavers, rehires, updates, unchanged, deprovisions } = summary;
    const counts = { joiners, movers, leavers, rehires, updates, unchanged, deprovisions };
    const workflowId = await holdBatch(
      deps.client,
      deps.taskQueue,
      { source: input.source, batchId: input.batchId, reason, summary: counts, events, deprovisioning, admins: deps.admins },
      { partSize: deps.heldPartSize, onHeld: options.onHeld },
    );
    return { summary: { ...summary, held: { workflowId, reason } }, plan };
  }
  options.onProgress?.(0, events.length);
  await deliverAll(deps.client, deps.taskQueue, events, (done) => options.onProgress?.(done, events.length));
  return { summary: { ...summary, delivered: events.length }, plan };
}
