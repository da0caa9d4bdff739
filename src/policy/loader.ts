import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { templatePlaceholders } from '../notify/template.ts';
import { PolicyValidationError, type Problem } from './problems.ts';
import { PolicyChecks, type TemplateUsage } from './semantic-checks.ts';
import { Policy, Template } from './schema.ts';
import { describeIssues } from './schema-issues.ts';
import { YamlSource } from './yaml-source.ts';

export interface LoadedPolicy {
  file: string;
  policy: Policy;
}

export interface PolicySet {
  policies: LoadedPolicy[];
  templates: Map<string, Template>;
  /** Content hash of every policy and template file, recorded with each plan. */
  hash: string;
}

export interface SourceFile {
  file: string;
  text: string;
}

async function readYamlFiles(dir: string, exclude: (name: string) => boolean = () => false): Promise<SourceFile[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name) && !exclude(name)).sort();
  return Promise.all(names.map(async (name) => ({ file: path.join(dir, name), text: await readFile(path.join(dir, name), 'utf8') })));
}

interface Parsed<T> {
  yaml: YamlSource;
  data: unknown;
  /** Undefined when the document has problems, which are then already reported. */
  value: T | undefined;
}

export function parseWith<T>(schema: z.ZodType<T>, source: SourceFile, problems: Problem[]): Parsed<T> | undefined {
  const yaml = new YamlSource(source.file, source.text);
  const syntax = yaml.syntaxProblems();
  if (syntax.length > 0) {
    problems.push(...syntax);
    return undefined;
  }
  const converted = yaml.toData();
  if ('problem' in converted) {
    problems.push(converted.problem);
    return undefined;
  }
  const { data } = converted;
  const result = schema.safeParse(data);
  if (result.success) return { yaml, data, value: result.data };
  for (const issue of describeIssues(schema, data, result.error.issues)) {
    const offset = (issue.key !== undefined ? yaml.keyOffset(issue.path, issue.key) : undefined) ?? yaml.nodeAt(issue.path)?.range?.[0] ?? 0;
    problems.push(yaml.problemAt(offset, issue.message));
  }
  return { yaml, data, value: undefined };
}

function checkAcrossPolicies(loaded: Array<LoadedPolicy & { yaml: YamlSource }>, problems: Problem[]): void {
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const { file, policy, yaml } of loaded) {
    const at = (p: PropertyKey[]) => yaml.nodeAt(p)?.range?.[0] ?? 0;
    const other = names.get(policy.metadata.name);
    if (other) problems.push(yaml.problemAt(at(['metadata', 'name']), `policy name "${policy.metadata.name}" is already used by ${other}`));
    names.set(policy.metadata.name, file);
    const key = keys.get(policy.source);
    if (key !== undefined && key !== policy.identity.key) {
      problems.push(yaml.problemAt(at(['identity', 'key']),
        `policies of source "${policy.source}" must share one identity key; another policy uses "${key}"`));
    }
    keys.set(policy.source, key ?? policy.identity.key);
  }
}

/** Hashes names and contents, not locations, so one policy set has one hash wherever it is read. */
function hashOf(policies: SourceFile[], templates: SourceFile[]): string {
  const hash = createHash('sha256');
  for (const [kind, files] of [['policy', policies], ['template', templates]] as const) {
    for (const { file, text } of files) hash.update(kind).update('\0').update(path.basename(file)).update('\0').update(text).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const isPolicyTest = (name: string) => name.endsWith('.test.yaml');

/** The policy files named: each path is a policy file, or a folder of them (its tests aside). */
async function readPolicyFiles(paths: readonly string[]): Promise<SourceFile[]> {
  const files = await Promise.all(
    paths.map(async (given) => {
      if ((await stat(given)).isDirectory()) return readYamlFiles(given, isPolicyTest);
      return [{ file: given, text: await readFile(given, 'utf8') }];
    }),
  );
  return files.flat();
}

/**
 * Loads and checks every policy and template, reporting all problems at once. `policies` is a
 * folder, or a list of policy files and folders.
 */
export async function loadPolicySet(policies: string | readonly string[], templatesDir: string): Promise<PolicySet> {
  const paths = typeof policies === 'string' ? [policies] : policies;
  const [policyFiles, templateFiles] = await Promise.all([readPolicyFiles(paths), readYamlFiles(templatesDir)]);
  const problems: Problem[] = [];

  const templates = new Map<string, Template>();
  const usage: TemplateUsage = new Map();
  for (const source of templateFiles) {
    const parsed = parseWith(Template, source, problems);
    if (!parsed?.value) continue;
    const name = path.basename(source.file).replace(/\.ya?ml$/, '');
    const parts: Array<{ part: string; placeholders: ReturnType<typeof templatePlaceholders> }> = [];
    for (const part of ['subject', 'text', 'html'] as const) {
      const text = parsed.value[part];
      if (text === undefined) continue;
      try {
        parts.push({ part, placeholders: templatePlaceholders(text) });
      } catch (error) {
        problems.push(parsed.yaml.problemAt(parsed.yaml.nodeAt([part])?.range?.[0] ?? 0, `template ${part}: ${(error as Error).message.split('\n')[0]}`));
      }
    }
    templates.set(name, parsed.value);
    usage.set(name, parts);
  }

  const loaded: Array<LoadedPolicy & { yaml: YamlSource }> = [];
  for (const source of policyFiles) {
    const parsed = parseWith(Policy, source, problems);
    if (!parsed) continue;
    new PolicyChecks(parsed.yaml, parsed.data, usage, problems).run();
    if (parsed.value) loaded.push({ file: source.file, policy: parsed.value, yaml: parsed.yaml });
  }
  checkAcrossPolicies(loaded, problems);
  if (policyFiles.length === 0) problems.push({ file: paths.join(', '), line: 1, column: 1, message: 'no policy files (*.yaml) found' });
  if (problems.length > 0) {
    problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    throw new PolicyValidationError(problems);
  }

  return {
    policies: loaded.map(({ file, policy }) => ({ file, policy })),
    templates,
    hash: hashOf(policyFiles, templateFiles),
  };
}

/** The attribute that identifies an identity of `source`, shared by all of its policies. */
export function identityKeyAttribute(policySet: PolicySet, source: string): string | undefined {
  return policySet.policies.find(({ policy }) => policy.source === source)?.policy.identity.key;
}

/**
 * The attributes the policies of `source` may read: their identity key and the attributes they
 * declare. Validation refuses a transformer, condition, template, mover attribute or date
 * trigger that reads any other, so a record lacking the rest plans and notifies just the same.
 * Undefined when no policy has this source.
 */
export function sourceAttributes(policySet: PolicySet, source: string): ReadonlySet<string> | undefined {
  const policies = policySet.policies.filter(({ policy }) => policy.source === source);
  if (policies.length === 0) return undefined;
  return new Set(policies.flatMap(({ policy }) => [policy.identity.key, ...policy.identity.attributes]));
}
