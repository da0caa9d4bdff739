import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/policy/csv.ts';
import { loadPolicySet, type PolicySet } from '../../src/policy/loader.ts';
import type { IdentityRecord } from '../../src/policy/schema.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import type { KnownIdentity } from '../../src/sources/known-identities.ts';
import { planImport, type SnapshotImportInput } from '../../src/sources/snapshot-import.ts';

let policySet: PolicySet;
let before: IdentityRecord[];
let now: IdentityRecord[];

const fixture = async (name: string) => parseCsv(await readFile(path.join(projectRoot, 'test/fixtures', name), 'utf8'), name);

beforeAll(async () => {
  policySet = await loadPolicySet(path.join(projectRoot, 'policies'), path.join(projectRoot, 'templates'));
  [before, now] = await Promise.all([fixture('hr-before.csv'), fixture('hr-now.csv')]);
});

/** What Tenure knows, as the identity workflows' memos would say it. */
function knownAs(entries: Array<[string, IdentityRecord | null]>): Map<string, KnownIdentity> {
  return new Map(entries.map(([key, record]) => [key, { record }]));
}

const knownFrom = (records: IdentityRecord[]) => knownAs(records.map((record) => [String(record.employee_id), record]));

const input = (records: IdentityRecord[], batchId = 'batch-1'): SnapshotImportInput => ({ source: 'hr', records, batchId, now: '2026-11-24T09:00:00.000Z' });

const byKey = (records: IdentityRecord[], key: string) => records.find((record) => record.employee_id === key)!;

describe('planning an import against what Tenure knows', () => {
  it('makes events of changed, new and absent identities only, and counts them by lifecycle', () => {
    const { events, summary, plan } = planImport(policySet, input(now), knownFrom(before));
    expect(events.map(({ key, record }) => [key, record])).toEqual([
      ['E2', byKey(now, 'E2')],
      ['E3', byKey(now, 'E3')],
      ['E5', byKey(now, 'E5')],
      ['E4', null],
    ]);
    expect(events.every((event) => event.source === 'hr' && event.receivedAt === '2026-11-24T09:00:00.000Z')).toBe(true);
    expect(summary).toEqual({ batchId: 'batch-1', joiners: 1, movers: 2, leavers: 1, rehires: 0, updates: 0, unchanged: 1, deprovisions: 1, held: undefined, delivered: 0 });
    expect(plan!.plans.map(({ key }) => key)).toEqual(['E2', 'E3', 'E5', 'E4']);
  });

  it('counts a returning leaver as a rehire, and a change no policy acts on as an update', () => {
    const leftE1 = { ...byKey(before, 'E1'), status: 'terminated', termination_date: '2026-10-31' };
    const leftE2 = { ...byKey(before, 'E2'), status: 'terminated', termination_date: '2026-10-31' };
    const { events, summary } = planImport(policySet, input([byKey(before, 'E1'), { ...leftE2, title: 'Former Controller' }]), knownFrom([leftE1, leftE2]));
    expect(events.map(({ key }) => key)).toEqual(['E1', 'E2']);
    expect(summary).toMatchObject({ rehires: 1, updates: 1, unchanged: 0, deprovisions: 0 });
  });

  it('counts a change by its lifecycle even when no workflow acts on it, and still delivers it', () => {
    // The example policy acts on contractors becoming employees, not on the reverse.
    const toContractor = { ...byKey(before, 'E1'), employment_type: 'contractor' };
    const { events, summary, plan } = planImport(policySet, input([toContractor]), knownFrom([byKey(before, 'E1')]));
    expect(plan!.plans).toEqual([]);
    expect(events.map(({ key, record }) => [key, record])).toEqual([['E1', toContractor]]);
    expect(summary).toMatchObject({ movers: 1, updates: 0 });
  });

  it('takes a row with an attribute set to null for the same record without it', () => {
    const { events, summary } = planImport(policySet, input([{ ...byKey(before, 'E1'), termination_date: null }]), knownFrom([byKey(before, 'E1')]));
    expect(events).toEqual([]);
    expect(summary.unchanged).toBe(1);
  });

  it('makes no new leaver of an identity the source already said is gone, and delivers its return', () => {
    const known = knownAs([
      ['E1', null],
      ['E2', null],
    ]);
    const { events } = planImport(policySet, input([byKey(before, 'E2')]), known);
    expect(events.map(({ key, record }) => [key, record])).toEqual([['E2', byKey(before, 'E2')]]);
  });

  it('counts every leaver of an empty export as a deprovisioning, for the guard', () => {
    const { events, summary, deprovisioning } = planImport(policySet, input([]), knownFrom(before));
    expect(events.map(({ record }) => record)).toEqual([null, null, null, null]);
    expect(summary).toMatchObject({ leavers: 4, deprovisions: 4, unchanged: 0 });
    expect(deprovisioning).toEqual(['E1', 'E2', 'E3', 'E4']);
  });

  it('names the people an export marks as terminated among the deprovisionings, beside those it leaves out', () => {
    const terminated = { ...byKey(before, 'E1'), status: 'terminated', termination_date: '2026-11-20' };
    const { summary, deprovisioning } = planImport(policySet, input([terminated, byKey(before, 'E2'), byKey(before, 'E3')]), knownFrom(before));
    expect(deprovisioning).toEqual(['E1', 'E4']);
    expect(summary).toMatchObject({ leavers: 2, deprovisions: 2, unchanged: 2 });
  });

  it('adds the fields the source gives each event', () => {
    const { events } = planImport(
      policySet,
      { ...input([byKey(now, 'E5')]), eventFields: (key, record) => ({ oktaUserId: `00u${key}`, partial: record === null }) },
      knownAs([]),
    );
    expect(events[0]).toMatchObject({ key: 'E5', oktaUserId: '00uE5', partial: false });
  });

  it('plans only the changes for an import: the same events, summary and deprovisionings as the whole plan, and no plan kept', () => {
    const leftE2 = { ...byKey(now, 'E2'), status: 'terminated', termination_date: '2026-10-31' };
    const records = [...now.filter(({ employee_id }) => employee_id !== 'E2'), leftE2];
    const whole = planImport(policySet, input(records), knownFrom(before));
    const changesOnly = planImport(policySet, input(records), knownFrom(before), { wholePlan: false });
    expect(changesOnly.plan).toBeUndefined();
    expect(changesOnly.events).toEqual(whole.events);
    expect(changesOnly.summary).toEqual(whole.summary);
    expect(changesOnly.deprovisioning).toEqual(whole.deprovisioning);
    expect(changesOnly.summary).toMatchObject({ leavers: 2, deprovisions: 2, unchanged: 1 });
  });

  it('refuses rows without a key, and a key given twice, as the snapshot planner does', () => {
    expect(() => planImport(policySet, input([byKey(now, 'E2'), byKey(now, 'E2')]), knownAs([]), { wholePlan: false })).toThrow('the snapshot has employee_id E2 twice');
    expect(() => planImport(policySet, input([{ first_name: 'Ada' }]), knownAs([]))).toThrow('the snapshot row 1 has no employee_id');
  });
});

describe('import event ids', () => {
  const ids = (records: IdentityRecord[], known: Map<string, KnownIdentity>, batchId?: string) =>
    planImport(policySet, input(records, batchId), known).events.map(({ eventId }) => eventId);

  it('are the same when the same import runs again, so the identity workflows drop the repeat', () => {
    expect(ids(now, knownFrom(before))).toEqual(ids(now, knownFrom(before)));
    expect(ids(now, knownFrom(before))[0]).toMatch(/^hr-import:batch-1:[0-9a-f]{16}$/);
  });

  it('differ for a later export, even one that changes a record back to what it was', () => {
    const moved = { ...byKey(before, 'E1'), department: 'Sales' };
    const [there] = ids([moved], knownFrom([byKey(before, 'E1')]), 'monday');
    const [back] = ids([byKey(before, 'E1')], knownFrom([moved]), 'tuesday');
    const [thereAgain] = ids([moved], knownFrom([byKey(before, 'E1')]), 'wednesday');
    expect(new Set([there, back, thereAgain]).size).toBe(3);
  });

  it('differ for the same export when what Tenure knows has moved on since', () => {
    const moved = { ...byKey(before, 'E1'), department: 'Sales' };
    const [first] = ids([byKey(before, 'E1')], knownFrom([moved]));
    const [again] = ids([byKey(before, 'E1')], knownFrom([{ ...moved, department: 'Finance' }]));
    expect(again).not.toBe(first);
  });
});
