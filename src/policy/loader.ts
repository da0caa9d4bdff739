import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { checkTemplateSyntax } from '../notify/template.ts';
import { FormatterError, parseFormatter } from './formatter.ts';
import { PolicyValidationError, suggest, type Problem } from './problems.ts';
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

interface SourceFile {
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

function parseWith<T>(schema: z.ZodType<T>, source: SourceFile, problems: Problem[]): Parsed<T> | undefined {
  const yaml = new YamlSource(source.file, source.text);
  const syntax = yaml.syntaxProblems();
  if (syntax.length > 0) {
    problems.push(...syntax);
    return undefined;
  }
  const data: unknown = yaml.document.toJS();
  const result = schema.safeParse(data);
  if (result.success) return { yaml, data, value: result.data };
  for (const issue of describeIssues(schema, data, result.error.issues)) {
    const offset = (issue.key !== undefined ? yaml.keyOffset(issue.path, issue.key) : undefined) ?? yaml.nodeAt(issue.path)?.range?.[0] ?? 0;
    problems.push(yaml.problemAt(offset, issue.message));
  }
  return { yaml, data, value: undefined };
}

function checkFormatter(yaml: YamlSource, at: PropertyKey[], source: string, problems: Problem[]): void {
  try {
    parseFormatter(source);
  } catch (error) {
    if (!(error instanceof FormatterError)) throw error;
    problems.push(yaml.problemAt(yaml.valueOffset(at) + error.offset, error.message));
  }
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asMap = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * The checks a schema cannot express: formatters parse, templates exist. They read the raw
 * document, so they report alongside schema problems rather than only after those are fixed.
 */
function checkSemantics(yaml: YamlSource, data: unknown, templates: Map<string, Template>, problems: Problem[]): void {
  asList(asMap(data).workflows).forEach((workflow, w) => {
    asList(asMap(workflow).actions).forEach((raw, a) => {
      const action = asMap(raw);
      const at = (...rest: PropertyKey[]) => ['workflows', w, 'actions', a, ...rest];
      const formatter = (path: PropertyKey[], value: unknown) => {
        if (typeof value === 'string') checkFormatter(yaml, at(...path), value, problems);
      };
      switch (action.action) {
        case 'SYNC_IDENTITIES': {
          const attributes = asMap(action.attributes);
          for (const [name, value] of Object.entries(attributes)) formatter(['attributes', name], value);
          const missing = ['login', 'email', 'first_name', 'last_name'].filter((name) => !(name in attributes));
          if (action.create === true && missing.length > 0) {
            problems.push(yaml.problemAt(yaml.nodeAt(at('attributes'))?.range?.[0] ?? 0, `creating an Okta user needs the attributes: ${missing.join(', ')}`));
          }
          break;
        }
        case 'MANAGE_RELATIONSHIPS':
          asList(action.add).forEach((group, i) => formatter(['add', i], group));
          asList(action.remove).forEach((group, i) => formatter(['remove', i], group));
          break;
        case 'NOTIFY':
          formatter(['to'], action.to);
          if (typeof action.template === 'string' && !templates.has(action.template)) {
            problems.push(yaml.problemAt(yaml.nodeAt(at('template'))?.range?.[0] ?? 0,
              `unknown template "${action.template}"${suggest(action.template, [...templates.keys()])}; templates: ${[...templates.keys()].join(', ') || 'none'}`));
          }
          break;
      }
    });
  });
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

function hashOf(files: SourceFile[], root: string): string {
  const hash = createHash('sha256');
  for (const { file, text } of files) hash.update(path.relative(root, file)).update('\0').update(text).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Loads and checks every policy and template, reporting all problems at once. */
export async function loadPolicySet(policiesDir: string, templatesDir: string): Promise<PolicySet> {
  const [policyFiles, templateFiles] = await Promise.all([
    readYamlFiles(policiesDir, (name) => name.endsWith('.test.yaml')),
    readYamlFiles(templatesDir),
  ]);
  const problems: Problem[] = [];

  const templates = new Map<string, Template>();
  for (const source of templateFiles) {
    const parsed = parseWith(Template, source, problems);
    if (!parsed?.value) continue;
    for (const part of ['subject', 'text', 'html'] as const) {
      const text = parsed.value[part];
      if (text === undefined) continue;
      try {
        checkTemplateSyntax(text);
      } catch (error) {
        problems.push(parsed.yaml.problemAt(parsed.yaml.nodeAt([part])?.range?.[0] ?? 0, `template ${part}: ${(error as Error).message.split('\n')[0]}`));
      }
    }
    templates.set(path.basename(source.file).replace(/\.ya?ml$/, ''), parsed.value);
  }

  const loaded: Array<LoadedPolicy & { yaml: YamlSource }> = [];
  for (const source of policyFiles) {
    const parsed = parseWith(Policy, source, problems);
    if (!parsed) continue;
    checkSemantics(parsed.yaml, parsed.data, templates, problems);
    if (parsed.value) loaded.push({ file: source.file, policy: parsed.value, yaml: parsed.yaml });
  }
  checkAcrossPolicies(loaded, problems);
  if (policyFiles.length === 0) problems.push({ file: policiesDir, line: 1, column: 1, message: 'no policy files (*.yaml) found' });
  if (problems.length > 0) {
    problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    throw new PolicyValidationError(problems);
  }

  return {
    policies: loaded.map(({ file, policy }) => ({ file, policy })),
    templates,
    hash: hashOf([...policyFiles, ...templateFiles], path.dirname(policiesDir)),
  };
}

/** The attribute that identifies an identity of `source`, shared by all of its policies. */
export function identityKeyAttribute(policySet: PolicySet, source: string): string | undefined {
  return policySet.policies.find(({ policy }) => policy.source === source)?.policy.identity.key;
}
