import { readFile } from 'node:fs/promises';
import { parseCsv } from '../../policy/csv.ts';
import { identityKeyAttribute, loadPolicySet, type PolicySet } from '../../policy/loader.ts';
import { plan, type Plan } from '../../policy/planner.ts';
import { IdentityRecord } from '../../policy/schema.ts';
import { planSnapshot } from '../../policy/snapshot.ts';
import { createOktaClient, type OktaConnection } from '../../okta/client.ts';
import { emulatorConnection, loadConfig, type TenureConfig } from '../../runtime/config.ts';
import { DEFAULT_TARGET } from '../../targets/actions.ts';
import { deferredEffects, liveEffects, targetsToRead, type LiveEffect } from '../../targets/live-plan.ts';
import { readTargets } from '../../targets/live-read.ts';
import { oktaTarget } from '../../targets/okta/okta-target.ts';
import { scimConnectionFor } from '../../targets/sandbox-address.ts';
import { scimTarget } from '../../targets/scim/scim-target.ts';
import type { Target } from '../../targets/target.ts';
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
  live?: boolean;
}

/** How long `--live` waits for one SCIM answer: a person is waiting, and one slow app is reported as unknown. */
const LIVE_SCIM_TIMEOUT_MS = 10_000;

/**
 * Okta as the running Tenure uses it: the real org configured, else the sandbox's emulator at its
 * configured port with its token (or the service app it registers), as `npm start` calls it.
 */
function oktaConnection(config: TenureConfig): OktaConnection {
  return config.okta ?? emulatorConnection(config, `http://127.0.0.1:${config.oktaEmulatorPort}`);
}

/** A target the plan names, as `tenure validate` finds it: in the sandbox, a `sandbox:` target is its emulation. */
function targetNamed(config: TenureConfig, policySet: PolicySet): (name: string) => Target {
  return (name) => {
    if (name === DEFAULT_TARGET) return oktaTarget(createOktaClient(oktaConnection(config)));
    const loaded = policySet.targets.get(name);
    if (!loaded) throw new Error(`no target "${name}" in the targets document`);
    return scimTarget(name, scimConnectionFor(name, loaded.definition, { sandbox: config.okta === undefined }), { timeoutMs: LIVE_SCIM_TIMEOUT_MS });
  };
}

/** What each planned step would change in its target now; deferred steps are read when they run. */
async function live(config: TenureConfig, policySet: PolicySet, result: Plan): Promise<LiveEffect[][]> {
  const wanted = targetsToRead(result.steps);
  if (wanted.size > 0 && result.key === '') throw new Error("--live finds the accounts by the identity's key, and the record has none");
  return liveEffects(result.steps, await readTargets(result.key, wanted, targetNamed(config, policySet)));
}

/** The plan as JSON, each step with what it would change (`live`), deferred ones saying so. */
function withLive(result: Plan, effects: LiveEffect[][]) {
  return {
    ...result,
    steps: result.steps.map((step, index) => ({ ...step, live: effects[index] })),
    deferred: result.deferred.map((deferred) => ({ ...deferred, steps: deferred.steps.map((step) => ({ ...step, live: deferredEffects(deferred.at) })) })),
  };
}

/** Which options make sense together is checked where they are declared (commands.ts). */
export async function run(options: PlanOptions): Promise<void> {
  const config = loadConfig();
  const now = options.now ?? new Date().toISOString();
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(options.policies ?? config.policiesDir, options.templates ?? config.templatesDir);
    const source = options.source ?? defaultSource(policySet);
    if (options.snapshot !== undefined && options.previous !== undefined) {
      if (options.live) throw new Error('--live reads the accounts of one person: plan one change (--old/--new) with it, not a whole export');
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
    const effects = options.live ? await live(config, policySet, result) : undefined;
    if (options.json) console.log(JSON.stringify(effects ? withLive(result, effects) : result, null, 2));
    else console.log(formatPlan(result, effects));
  });
}
