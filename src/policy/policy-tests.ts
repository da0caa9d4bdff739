import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { identityKeyAttribute, parseWith, type PolicySet } from './loader.ts';
import { actionWithoutContexts, plan, planTrigger, PlanError, type Plan, type PlanStep } from './planner.ts';
import { PolicyValidationError, type Problem } from './problems.ts';
import { IdentityRecord, lifecycleEvents, type Policy } from './schema.ts';

/**
 * Policy tests (`policies/*.test.yaml`) pin what a policy does: given a change, these steps.
 * An expected step lists only the fields it cares about; the plan must have exactly the expected
 * steps, in order.
 */
const ExpectedStep = z
  .looseObject({ workflow: z.string(), action: z.string() })
  .describe('A step: its workflow and action, and any resolved fields to check (attributes, add, to …).');

const Expectation = z.strictObject({
  lifecycles: z.record(z.string(), z.enum([...lifecycleEvents, 'none'])).optional(),
  steps: z.array(ExpectedStep).default([]),
  deferred: z.array(z.strictObject({ workflow: z.string(), at: z.string(), steps: z.array(ExpectedStep).optional() })).optional(),
  schedule: z.array(z.strictObject({ workflow: z.string(), at: z.string() })).optional(),
  onFailure: z
    .record(z.string(), z.strictObject({ template: z.string(), to: z.string() }))
    .optional()
    .describe('Per workflow with steps, the notice its onFailure would send should a step fail for good.'),
  echo: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .describe(
      "Per policy, the attributes of a change it finds to be an echo of Tenure's own change to Okta (counted an update, with no steps); compared whole, so `{}` says none is.",
    ),
  error: z.string().optional().describe('The plan fails with a message containing this.'),
});

const PolicyTest = z.strictObject({
  name: z.string().min(1),
  source: z.string().optional(),
  now: z.iso.datetime({ offset: true }),
  old: IdentityRecord.nullable().optional().describe('The record before; absent for an identity never seen, null for one the source removed.'),
  new: IdentityRecord.nullable().optional().describe('The record after; null when the source removed the identity.'),
  everActive: z.boolean().optional(),
  trigger: z.string().optional().describe('Plan the date-triggered workflow of this name against `new`, at `now`.'),
  expect: Expectation,
});

export const PolicyTestFile = z.strictObject({ tests: z.array(PolicyTest).min(1) });
type PolicyTest = z.infer<typeof PolicyTest>;

export interface TestResult {
  file: string;
  name: string;
  passed: boolean;
  /** A readable account of what differed, when the test failed. */
  diff?: string;
}

/** A step as a test sees it: its place and its resolved action, without the notification context. */
function observed(step: PlanStep): Record<string, unknown> {
  const action = actionWithoutContexts(step.action);
  return { workflow: step.workflow, trigger: step.trigger, ...action, action: step.action.action, policy: step.policy };
}

/** Keeps only the fields the expectation names, recursively, so a test states what it cares about. */
function project(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return actual.map((item, i) => (i < expected.length ? project(item, expected[i]) : item));
  }
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object' && !Array.isArray(actual)) {
    return Object.fromEntries(Object.keys(expected).map((key) => [key, project((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key])]));
  }
  return actual;
}

/**
 * The plan as a test of one policy sees it: that policy's steps, deferrals and notices, so that
 * another policy of the same source (one for SaaS applications beside one for Okta) does not
 * change what this one's tests expect.
 */
function observedPlan(whole: Plan, test: PolicyTest, policy: string | undefined): Record<string, unknown> {
  const mine = (id: string) => policy === undefined || id.split('/')[0] === policy;
  const result: Plan = {
    ...whole,
    steps: whole.steps.filter((step) => mine(`${step.policy}/`)),
    deferred: whole.deferred.filter((deferred) => mine(deferred.id)),
    schedule: whole.schedule.filter((trigger) => mine(trigger.id)),
    onFailure: Object.fromEntries(Object.entries(whole.onFailure).filter(([id]) => mine(id))),
  };
  const out: Record<string, unknown> = { steps: result.steps.map(observed) };
  if (test.expect.lifecycles) out.lifecycles = result.lifecycles;
  if (test.expect.deferred) {
    out.deferred = result.deferred.map((deferred) => ({ workflow: deferred.id.split('/')[1], at: deferred.at, steps: deferred.steps.map(observed) }));
  }
  if (test.expect.schedule) out.schedule = result.schedule.map((trigger) => ({ workflow: trigger.id.split('/')[1], at: trigger.at }));
  if (test.expect.echo) out.echo = Object.fromEntries(Object.entries(result.echo).filter(([name]) => mine(`${name}/`)).map(([name, echo]) => [name, echo.attributes]));
  if (test.expect.onFailure) {
    out.onFailure = Object.fromEntries(Object.entries(result.onFailure).map(([id, notice]) => [id.split('/')[1], { template: notice.template, to: notice.to }]));
  }
  return out;
}

/** A line diff of two YAML renderings: `-` expected, `+` actual. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.trimEnd().split('\n');
  const b = actual.trimEnd().split('\n');
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) lines.push(`  ${a[i++]}`), j++;
    else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) lines.push(`+ ${b[j++]}`);
    else lines.push(`- ${a[i++]}`);
  }
  return lines.join('\n');
}

/** Tests in `name.test.yaml` are about the policy in `name.yaml`, and so about its source. */
function policyBeside(policySet: PolicySet, testFile: string): Policy | undefined {
  const policyFile = testFile.replace(/\.test\.ya?ml$/, '');
  return policySet.policies.find(({ file }) => file.replace(/\.ya?ml$/, '') === policyFile)?.policy;
}

function runOne(policySet: PolicySet, file: string, test: PolicyTest): TestResult {
  const beside = policyBeside(policySet, file);
  const source = test.source ?? (beside ?? policySet.policies[0]!.policy).source;
  const record = test.new ?? test.old ?? {};
  const key = String(record[identityKeyAttribute(policySet, source) ?? ''] ?? 'test');
  let result: Plan;
  try {
    result = test.trigger
      ? planTrigger(policySet, { source, key, record: test.new ?? null, trigger: test.trigger.includes('/') ? test.trigger : `${beside?.source === source ? beside.metadata.name : policyOf(policySet, source, test.trigger)}/${test.trigger}`, now: test.now })
      : plan(policySet, { source, key, previous: test.old, next: test.new ?? null, now: test.now, everActive: test.everActive });
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    const passed = test.expect.error !== undefined && error.message.includes(test.expect.error);
    return { file, name: test.name, passed, ...(passed ? {} : { diff: `the plan failed: ${error.message}` }) };
  }
  if (test.expect.error !== undefined) return { file, name: test.name, passed: false, diff: `expected the plan to fail with "${test.expect.error}", but it planned ${result.steps.length} steps` };
  const { error: _error, ...expected } = test.expect;
  const observed = observedPlan(result, test, beside?.source === source ? beside.metadata.name : undefined);
  // Echoes are compared whole, so that `echo: {}` says no policy found one.
  const actual = { ...(project(observed, expected) as Record<string, unknown>), ...('echo' in observed ? { echo: observed.echo } : {}) };
  const want = stringify(expected);
  const got = stringify(actual);
  return want === got ? { file, name: test.name, passed: true } : { file, name: test.name, passed: false, diff: lineDiff(want, got) };
}

function policyOf(policySet: PolicySet, source: string, workflow: string): string {
  const owner = policySet.policies.find(({ policy }) => policy.source === source && policy.workflows.some((candidate) => candidate.name === workflow));
  return owner?.policy.metadata.name ?? '?';
}

/** Runs every `*.test.yaml` beside the policies. Malformed test files are reported as policy problems are. */
export async function runPolicyTests(policySet: PolicySet, policiesDir: string): Promise<TestResult[]> {
  const names = (await readdir(policiesDir)).filter((name) => name.endsWith('.test.yaml')).sort();
  const problems: Problem[] = [];
  const results: TestResult[] = [];
  for (const name of names) {
    const file = path.join(policiesDir, name);
    const parsed = parseWith(PolicyTestFile, { file, text: await readFile(file, 'utf8') }, problems);
    for (const test of parsed?.value?.tests ?? []) results.push(runOne(policySet, file, test));
  }
  if (problems.length > 0) throw new PolicyValidationError(problems);
  return results;
}
