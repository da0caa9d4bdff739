import { readFile } from 'node:fs/promises';
import { parseCsv } from '../../policy/csv.ts';
import { identityKeyAttribute, loadPolicySet, type PolicySet } from '../../policy/loader.ts';
import { plan } from '../../policy/planner.ts';
import { IdentityRecord } from '../../policy/schema.ts';
import { planSnapshot } from '../../policy/snapshot.ts';
import { loadConfig } from '../../runtime/config.ts';
import { formatPlan, formatSnapshot } from '../plan-table.ts';
import { reportValidationProblems } from '../policy-problems.ts';
import { progress } from '../progress.ts';

/** A record file: a bare record, or an HR event `{eventId, record}` as `tenure hr send` takes. */
async function readRecord(file: string): Promise<IdentityRecord | null> {
  const data = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const record = data && typeof data === 'object' && 'record' in data ? (data as { record: unknown }).record : data;
  if (record === null) return null;
  const parsed = IdentityRecord.safeParse(record);
  if (!parsed.success) throw new Error(`${file}: not a record of attributes (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

/** The policies' only source, or `hr` beside others: record files and exports come from HR. */
function defaultSource(policySet: PolicySet): string {
  const sources = [...new Set(policySet.policies.map(({ policy }) => policy.source))];
  if (sources.length === 1) return sources[0]!;
  if (sources.includes('hr')) return 'hr';
  throw new Error(`the policies handle several sources (${sources.join(', ')}); name one with --source`);
}

export interface PlanOptions {
  old?: string;
  new?: string;
  removed?: boolean;
  snapshot?: string;
  previous?: string;
  now?: string;
  source?: string;
  json?: boolean;
  policies?: string;
  templates?: string;
}

/** Which options make sense together is checked where they are declared (commands.ts). */
export async function run(options: PlanOptions): Promise<void> {
  const config = loadConfig();
  const now = options.now ?? new Date().toISOString();
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(options.policies ?? config.policiesDir, options.templates ?? config.templatesDir);
    const source = options.source ?? defaultSource(policySet);
    if (options.snapshot !== undefined && options.previous !== undefined) {
      const [current, previous] = await Promise.all([
        readFile(options.snapshot, 'utf8').then((text) => parseCsv(text, options.snapshot!)),
        readFile(options.previous, 'utf8').then((text) => parseCsv(text, options.previous!)),
      ]);
      // Only a large export is worth watching; a small one is planned in a blink.
      const reportRows = progress('rows');
      const result = planSnapshot(policySet, source, previous, current, now, (done, total) => {
        if (total >= 10_000) reportRows(done, total);
      });
      console.log(options.json ? JSON.stringify(result, null, 2) : formatSnapshot(result));
      return;
    }
    const previous = options.old === undefined ? undefined : await readRecord(options.old);
    // --removed: the person is gone from HR, as a row missing from an export is.
    const next = options.removed || options.new === undefined ? null : await readRecord(options.new);
    const keyAttribute = identityKeyAttribute(policySet, source) ?? '';
    const key = String((next ?? previous)?.[keyAttribute] ?? '');
    const result = plan(policySet, { source, key, previous, next, now });
    console.log(options.json ? JSON.stringify(result, null, 2) : formatPlan(result));
  });
}
