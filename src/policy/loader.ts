import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { templatePlaceholders } from '../notify/template.ts';
import { TargetsDocument, type ScimTargetDefinition } from '../targets/definitions.ts';
import { PolicyValidationError, suggest, type Problem } from './problems.ts';
import { PolicyChecks, type TemplateUsage } from './semantic-checks.ts';
import { Policy, Template, type Action } from './schema.ts';
import { describeIssues, type LocatedIssue } from './schema-issues.ts';
import { YamlSource } from './yaml-source.ts';

/** An action that names its target, and where that name is written, for checks made after loading. */
export interface TargetedActionSite {
  workflow: string;
  action: Exclude<Action, { action: 'NOTIFY' }>;
  target: string;
  /** The position of the `target:` value. */
  at: { file: string; line: number; column: number };
}

export interface LoadedPolicy {
  file: string;
  policy: Policy;
  /** Its actions that name a target (`target:`), in order. */
  targeted: TargetedActionSite[];
}

/** A target the targets document declares. */
export interface LoadedTarget {
  name: string;
  file: string;
  /** Where its name is written. */
  line: number;
  definition: ScimTargetDefinition;
}

export interface PolicySet {
  policies: LoadedPolicy[];
  templates: Map<string, Template>;
  /** The targets besides Okta, by name; empty without a targets document. */
  targets: Map<string, LoadedTarget>;
  /** Content hash of every policy, targets and template file, recorded with each plan. */
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

interface Read {
  yaml: YamlSource;
  data: unknown;
}

interface Parsed<T> extends Read {
  /** Undefined when the document has problems, which are then already reported. */
  value: T | undefined;
}

/** The YAML of a file as plain data, or undefined when it is not well-formed (its problems reported). */
function readYaml(source: SourceFile, problems: Problem[]): Read | undefined {
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
  return { yaml, data: converted.data };
}

/**
 * A key of a mapping whose keys are checked (the names in the targets document) is reported at
 * the key, with what the key's own check says; describeIssues would only say "Invalid key".
 */
function keyIssue(issue: z.core.$ZodIssue): LocatedIssue | undefined {
  if (issue.code !== 'invalid_key' || issue.path.length === 0) return undefined;
  const key = String(issue.path[issue.path.length - 1]);
  return { path: issue.path.slice(0, -1), key, message: `"${key}": ${issue.issues.map((inner) => inner.message).join('; ')}` };
}

function validateWith<T>(schema: z.ZodType<T>, { yaml, data }: Read, problems: Problem[]): Parsed<T> {
  const result = schema.safeParse(data);
  if (result.success) return { yaml, data, value: result.data };
  const keys = result.error.issues.flatMap((issue) => keyIssue(issue) ?? []);
  const others = result.error.issues.filter((issue) => issue.code !== 'invalid_key');
  for (const issue of [...keys, ...describeIssues(schema, data, others)]) {
    const offset = (issue.key !== undefined ? yaml.keyOffset(issue.path, issue.key) : undefined) ?? yaml.nodeAt(issue.path)?.range?.[0] ?? 0;
    problems.push(yaml.problemAt(offset, issue.message));
  }
  return { yaml, data, value: undefined };
}

export function parseWith<T>(schema: z.ZodType<T>, source: SourceFile, problems: Problem[]): Parsed<T> | undefined {
  const read = readYaml(source, problems);
  return read && validateWith(schema, read, problems);
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

/**
 * Hashes names and contents, not locations, so one policy set has one hash wherever it is read.
 * Without a targets document the hash is what it was before targets existed.
 */
function hashOf(policies: SourceFile[], targets: SourceFile[], templates: SourceFile[]): string {
  const hash = createHash('sha256');
  for (const [kind, files] of [['policy', policies], ['targets', targets], ['template', templates]] as const) {
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

/** What a document in the policy folder can be, by its `kind`. */
const DOCUMENT_KINDS = ['LifecyclePolicy', 'Targets'] as const;

interface TargetsFound {
  source: SourceFile;
  /** Undefined when the document has problems. */
  parsed: Parsed<TargetsDocument> | undefined;
  /** The names it declares, read from the document even when it has problems, so policies naming them are not flagged too. */
  names: string[];
}

/**
 * Sorts the documents of the policy folder by their `kind`: policies, and at most one targets
 * document, parsed at once. A document without a kind, or with one that is not a string, is
 * taken for a policy, whose schema then says what `kind` must be.
 */
function sortDocuments(files: SourceFile[], problems: Problem[]): { policies: Array<{ source: SourceFile; read: Read }>; targets: TargetsFound | undefined } {
  const policies: Array<{ source: SourceFile; read: Read }> = [];
  let targets: TargetsFound | undefined;
  for (const source of files) {
    const read = readYaml(source, problems);
    if (!read) continue;
    const kind = read.data && typeof read.data === 'object' ? (read.data as Record<string, unknown>).kind : undefined;
    const kindAt = () => read.yaml.nodeAt(['kind'])?.range?.[0] ?? 0;
    if (kind === 'Targets') {
      if (targets) {
        problems.push(read.yaml.problemAt(kindAt(), `a policy set has one targets document, and ${targets.source.file} is it: declare these targets there`));
        continue;
      }
      const declared = (read.data as { targets?: unknown }).targets;
      const names = declared && typeof declared === 'object' && !Array.isArray(declared) ? Object.keys(declared) : [];
      const parsed = validateWith(TargetsDocument, read, problems);
      targets = { source, parsed: parsed.value ? parsed : undefined, names };
    } else if (typeof kind === 'string' && kind !== 'LifecyclePolicy') {
      problems.push(read.yaml.problemAt(kindAt(), `unknown kind "${kind}"${suggest(kind, DOCUMENT_KINDS)}; a document in the policy folder is one of: ${DOCUMENT_KINDS.join(', ')}`));
    } else {
      policies.push({ source, read });
    }
  }
  return { policies, targets };
}

/** The line and column of an offset in a document. */
function positionOf(yaml: YamlSource, offset: number): { line: number; column: number } {
  const { line, column } = yaml.problemAt(offset, '');
  return { line, column };
}

function loadedTargets(found: TargetsFound | undefined): Map<string, LoadedTarget> {
  const targets = new Map<string, LoadedTarget>();
  if (!found?.parsed?.value) return targets;
  const { yaml, value } = found.parsed;
  for (const [name, definition] of Object.entries(value.targets)) {
    const { line } = positionOf(yaml, yaml.keyOffset(['targets'], name) ?? 0);
    targets.set(name, { name, file: found.source.file, line, definition });
  }
  return targets;
}

/** The actions of a policy that name their target, with where each name is written. */
function targetedActions(file: string, yaml: YamlSource, policy: Policy): TargetedActionSite[] {
  return policy.workflows.flatMap((workflow, w) =>
    workflow.actions.flatMap((action, a): TargetedActionSite[] => {
      if (action.action === 'NOTIFY' || action.target === undefined) return [];
      const at = positionOf(yaml, yaml.nodeAt(['workflows', w, 'actions', a, 'target'])?.range?.[0] ?? 0);
      return [{ workflow: workflow.name, action, target: action.target, at: { file, ...at } }];
    }),
  );
}

/**
 * Loads and checks every policy, the targets document and every template, reporting all
 * problems at once. `policies` is a folder, or a list of policy files and folders; the targets
 * document is read from among them. Every document is parsed before any policy is checked, so
 * that the checks know the targets wherever the document sorts.
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

  const documents = sortDocuments(policyFiles, problems);
  const declaredTargets = documents.targets && { file: documents.targets.source.file, names: documents.targets.names };
  const loaded: Array<LoadedPolicy & { yaml: YamlSource }> = [];
  for (const { source, read } of documents.policies) {
    const parsed = validateWith(Policy, read, problems);
    new PolicyChecks(parsed.yaml, parsed.data, usage, declaredTargets, problems).run();
    if (parsed.value) loaded.push({ file: source.file, policy: parsed.value, yaml: parsed.yaml, targeted: targetedActions(source.file, parsed.yaml, parsed.value) });
  }
  checkAcrossPolicies(loaded, problems);
  if (policyFiles.length === 0) problems.push({ file: paths.join(', '), line: 1, column: 1, message: 'no policy files (*.yaml) found' });
  if (problems.length > 0) {
    problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    throw new PolicyValidationError(problems);
  }

  const targetFiles = documents.targets ? [documents.targets.source] : [];
  return {
    policies: loaded.map(({ file, policy, targeted }) => ({ file, policy, targeted })),
    templates,
    targets: loadedTargets(documents.targets),
    hash: hashOf(policyFiles.filter((file) => !targetFiles.includes(file)), targetFiles, templateFiles),
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
