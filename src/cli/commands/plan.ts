import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseCsv } from '../../policy/csv.ts';
import { identityKeyAttribute, loadPolicySet, type PolicySet } from '../../policy/loader.ts';
import { actionWithoutContexts, plan, type Plan, type PlanStep } from '../../policy/planner.ts';
import { IdentityRecord } from '../../policy/schema.ts';
import { planSnapshot, type SnapshotPlan } from '../../policy/snapshot.ts';
import { loadConfig } from '../../runtime/config.ts';
import { reportValidationProblems } from '../policy-problems.ts';
import { progress } from '../progress.ts';

const usage = 'usage: tenure plan --old a.json --new b.json | --snapshot now.csv --previous before.csv  [--now ISO] [--source S] [--json]';

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

function describeStep(step: PlanStep): string {
  const { action: name, ...fields } = actionWithoutContexts(step.action);
  const details = Object.entries(fields)
    .filter(([, value]) => !(Array.isArray(value) && value.length === 0) && !(value && typeof value === 'object' && Object.keys(value).length === 0))
    .map(([field, value]) => `${field}=${JSON.stringify(value)}`)
    .join(' ');
  const why = step.condition ? `${step.trigger}, when ${step.condition}` : step.trigger;
  return `${step.policy}/${step.workflow} (${why}): ${name} ${details}`.trimEnd();
}

function printPlan(result: Plan): void {
  const lifecycles = Object.entries(result.lifecycles).map(([policy, lifecycle]) => `${policy}: ${lifecycle}`).join(', ');
  console.log(`${result.source}/${result.key}  ${lifecycles || 'no policy'}  (policy set ${result.policySetHash})`);
  for (const step of result.steps) console.log(`  ${describeStep(step)}`);
  for (const deferred of result.deferred) {
    console.log(`  at ${deferred.at}:`);
    for (const step of deferred.steps) console.log(`    ${describeStep(step)}`);
  }
  for (const trigger of result.schedule) console.log(`  scheduled: ${trigger.id} at ${trigger.at}`);
  if (result.steps.length + result.deferred.length + result.schedule.length === 0) console.log('  nothing to do');
}

export function printSnapshot(result: SnapshotPlan): void {
  console.log(stringify({ lifecycles: result.lifecycles, actions: result.actions, unchanged: result.unchanged }).trimEnd());
  console.log('');
  for (const planned of result.plans) printPlan(planned);
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      old: { type: 'string' },
      new: { type: 'string' },
      snapshot: { type: 'string' },
      previous: { type: 'string' },
      now: { type: 'string' },
      source: { type: 'string' },
      json: { type: 'boolean', default: false },
      policies: { type: 'string' },
      templates: { type: 'string' },
    },
  });
  const config = loadConfig();
  const now = values.now ?? new Date().toISOString();
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(values.policies ?? config.policiesDir, values.templates ?? config.templatesDir);
    const source = values.source ?? defaultSource(policySet);
    if (values.snapshot !== undefined) {
      if (values.previous === undefined) throw new Error(`--snapshot needs --previous (an empty CSV with the header row for a first load); ${usage}`);
      const [current, previous] = await Promise.all([
        readFile(values.snapshot, 'utf8').then((text) => parseCsv(text, values.snapshot!)),
        readFile(values.previous, 'utf8').then((text) => parseCsv(text, values.previous!)),
      ]);
      // Only a large export is worth watching; a small one is planned in a blink.
      const reportRows = progress('rows');
      const result = planSnapshot(policySet, source, previous, current, now, (done, total) => {
        if (total >= 10_000) reportRows(done, total);
      });
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printSnapshot(result);
      return;
    }
    if (values.new === undefined && values.old === undefined) throw new Error(usage);
    const previous = values.old === undefined ? undefined : await readRecord(values.old);
    const next = values.new === undefined ? null : await readRecord(values.new);
    const keyAttribute = identityKeyAttribute(policySet, source) ?? '';
    const key = String((next ?? previous)?.[keyAttribute] ?? '');
    const result = plan(policySet, { source, key, previous, next, now });
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else printPlan(result);
  });
}
