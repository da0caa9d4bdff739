import type { Placeholder } from '../notify/template.ts';
import { DEFAULT_TARGET } from '../targets/actions.ts';
import { SCIM_ATTRIBUTES, scimAttributePath } from '../targets/scim/attributes.ts';
import { conditionOf, formatterOf } from './compiled.ts';
import { ConditionSyntaxError, conditionPaths } from './condition.ts';
import { FormatterError } from './formatter.ts';
import { suggest, type Problem } from './problems.ts';
import type { YamlSource } from './yaml-source.ts';

/** A template's placeholders, per part, as the loader found them. */
export type TemplateUsage = Map<string, Array<{ part: string; placeholders: Placeholder[] }>>;

/** The targets document the policies are checked against: its file and the target names it declares. */
export interface DeclaredTargets {
  file: string;
  names: readonly string[];
}

type Path = PropertyKey[];

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asMap = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Where a template is used decides what it may read; only a RESET_PASSWORD notice gets the password. */
type NoticeKind = 'notify' | 'reset-password' | 'on-failure' | 'approval';

const REQUIRED_TO_CREATE = ['login', 'email', 'first_name', 'last_name'];
/** A SCIM account is created with its userName, which the policy's `login` gives. */
const REQUIRED_TO_CREATE_SCIM = ['login'];
const PASSWORD_PLACEHOLDER = 'LOGIN_PASSWORD';
/** What an onFailure notice says of the failure, besides the record. */
const FAILURE_FIELDS = ['failure.error', 'failure.workflow', 'failure.action'];
/** What an approval request (and its expiry notice, with `expired` true) says, besides the record. */
const APPROVAL_FIELDS = ['approval.workflow', 'approval.action', 'approval.deadline', 'approval.workflowId', 'approval.expired'];
/** The fields each kind of notice adds to the record. */
const NOTICE_FIELDS: Record<NoticeKind, string[]> = { notify: [], 'reset-password': [], 'on-failure': FAILURE_FIELDS, approval: APPROVAL_FIELDS };

/**
 * The checks a schema cannot express: transformers and conditions compile and read only
 * attributes the source sends; templates exist and read only what their use provides. They read
 * the raw document, so they report alongside schema problems rather than only after those are
 * fixed. Transformers and conditions compile through the planner's cache, so validating a policy
 * set also prepares it for planning. An action's `target` must be Okta or declared in the targets
 * document (`declaredTargets`, undefined when there is none); every declared target is a SCIM
 * application, whose limits (no password reset, the attributes SCIM can carry) are checked here.
 */
export class PolicyChecks {
  private readonly attributes: string[] | undefined;
  /** What the SYNC_IDENTITIES actions of the workflow being checked have set so far: templates read it as `okta.*`. */
  private synced = new Set<string>();

  constructor(
    private readonly yaml: YamlSource,
    private readonly data: unknown,
    private readonly templates: TemplateUsage,
    private readonly declaredTargets: DeclaredTargets | undefined,
    private readonly problems: Problem[],
  ) {
    const declared = asMap(asMap(data).identity).attributes;
    this.attributes = Array.isArray(declared) && declared.every((name) => typeof name === 'string') ? (declared as string[]) : undefined;
  }

  run(): void {
    const identity = asMap(asMap(this.data).identity);
    this.knownAttribute(['identity', 'key'], identity.key);
    asList(identity.moverAttributes).forEach((name, i) => this.knownAttribute(['identity', 'moverAttributes', i], name));
    this.condition(['identity', 'inactive'], identity.inactive, false);
    asList(asMap(this.data).workflows).forEach((raw, w) => this.workflow(['workflows', w], asMap(raw)));
  }

  private report(offset: number, message: string): void {
    this.problems.push(this.yaml.problemAt(offset, message));
  }

  private nodeOffset(path: Path): number {
    return this.yaml.nodeAt(path)?.range?.[0] ?? 0;
  }

  private unknownAttribute(name: string): string {
    return `unknown attribute "${name}"${suggest(name, this.attributes ?? [])}; the source sends: ${(this.attributes ?? []).join(', ')}`;
  }

  private knownAttribute(path: Path, name: unknown): void {
    if (typeof name !== 'string' || !this.attributes || this.attributes.includes(name)) return;
    this.report(this.nodeOffset(path), this.unknownAttribute(name));
  }

  /** Checks an attribute path as written in a transformer or condition (`x`, `old.x`, `new.x`). */
  private attributePath(written: string, sides: boolean): string | undefined {
    const side = /^(old|new)\./.exec(written);
    if (side && !sides) return `"${written}": only a change has an old and a new side; write the bare attribute`;
    const name = side ? written.slice(side[0].length) : written;
    return !this.attributes || this.attributes.includes(name) ? undefined : this.unknownAttribute(name);
  }

  private formatter(path: Path, value: unknown): void {
    if (typeof value !== 'string') return;
    const start = this.yaml.valueOffset(path);
    let attributes: readonly string[];
    try {
      attributes = formatterOf(value).attributes;
    } catch (error) {
      if (!(error instanceof FormatterError)) throw error;
      this.report(start + error.offset, error.message);
      return;
    }
    for (const attribute of attributes) {
      const problem = this.attributePath(attribute, true);
      // The attribute as written in braces, not as part of a longer name (`{name}` in `{first_name}{name}`).
      const at = new RegExp(`\\{\\s*${attribute.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[|}]`).exec(value);
      if (problem) this.report(start + (at ? at.index + at[0].indexOf(attribute) : 0), problem);
    }
  }

  private condition(path: Path, value: unknown, sides: boolean): void {
    if (typeof value !== 'string') return;
    const start = this.yaml.valueOffset(path);
    let paths: string[];
    try {
      paths = conditionPaths(conditionOf(value));
    } catch (error) {
      if (!(error instanceof ConditionSyntaxError)) throw error;
      this.report(start + error.column - 1, error.message);
      return;
    }
    for (const attribute of paths) {
      const problem = this.attributePath(attribute, sides);
      if (problem) this.report(start + Math.max(0, value.indexOf(attribute)), problem);
    }
  }

  private valueSpec(path: Path, spec: unknown): void {
    if (typeof spec === 'string') return this.formatter(path, spec);
    const branch = asMap(spec);
    this.condition([...path, 'if'], branch.if, true);
    if ('then' in branch) this.valueSpec([...path, 'then'], branch.then);
    if ('else' in branch) this.valueSpec([...path, 'else'], branch.else);
  }

  private workflow(at: Path, workflow: Record<string, unknown>): void {
    this.condition([...at, 'when'], workflow.when, true);
    this.formatter([...at, 'effective'], workflow.effective);
    const on = asMap(workflow.on);
    if ('date' in on) this.knownAttribute([...at, 'on', 'date'], on.date);
    this.synced = new Set();
    asList(workflow.actions).forEach((raw, a) => this.action([...at, 'actions', a], asMap(raw)));
    // The failure notice is made once the workflow is resolved, so it sees every attribute it syncs.
    if ('onFailure' in workflow) this.notice([...at, 'onFailure'], asMap(workflow.onFailure), 'on-failure');
  }

  /**
   * The target an action names, if it is known: `okta` (also when unset), or a declared SCIM
   * target; an unknown one is reported and undefined returned, so no check guesses its kind.
   */
  private target(at: Path, action: Record<string, unknown>): { name: string; scim: boolean } | undefined {
    const name = action.target;
    if (name === undefined || name === DEFAULT_TARGET) return { name: DEFAULT_TARGET, scim: false };
    if (typeof name !== 'string') return undefined;
    const declared = this.declaredTargets?.names ?? [];
    if (declared.includes(name)) return { name, scim: true };
    const known = [DEFAULT_TARGET, ...declared];
    const where = this.declaredTargets ? `the targets document ${this.declaredTargets.file} declares: ${declared.join(', ') || 'none'}` : 'no targets document (kind: Targets) is among the policy files read; name it too when checking single files';
    this.report(this.nodeOffset([...at, 'target']), `unknown target "${name}"${suggest(name, known)}; besides ${DEFAULT_TARGET}, ${where}`);
    return undefined;
  }

  private action(at: Path, action: Record<string, unknown>): void {
    const target = action.action === 'NOTIFY' ? undefined : this.target(at, action);
    switch (action.action) {
      case 'SYNC_IDENTITIES': {
        const attributes = asMap(action.attributes);
        for (const [name, spec] of Object.entries(attributes)) {
          const options = asMap(spec);
          if ('value' in options) {
            this.valueSpec([...at, 'attributes', name, 'value'], options.value);
            asList(options.fallbacks).forEach((fallback, i) => this.formatter([...at, 'attributes', name, 'fallbacks', i], fallback));
          } else {
            this.valueSpec([...at, 'attributes', name], spec);
          }
        }
        for (const name of Object.keys(attributes)) this.synced.add(name);
        if (target?.scim) this.scimAttributes(at, target.name, attributes);
        const required = target?.scim ? REQUIRED_TO_CREATE_SCIM : REQUIRED_TO_CREATE;
        const missing = required.filter((name) => !(name in attributes));
        if (action.create === true && target && missing.length > 0) {
          const message = target.scim
            ? `creating an account in target ${target.name} needs the attribute login, its SCIM userName`
            : `creating an Okta user needs the attributes: ${missing.join(', ')}`;
          this.report(this.nodeOffset([...at, 'attributes']), message);
        }
        break;
      }
      case 'MANAGE_RELATIONSHIPS': {
        for (const list of ['add', 'remove'] as const) asList(action[list]).forEach((group, i) => this.formatter([...at, list, i], group));
        const sync = asMap(action.sync);
        asList(sync.groups).forEach((group, i) => {
          this.formatter([...at, 'sync', 'groups', i], group);
          // A group written with a literal start can be checked now; others are checked when planned.
          const literal = typeof group === 'string' ? group.split('{')[0]! : '';
          const prefix = typeof sync.prefix === 'string' ? sync.prefix : '';
          if (literal.length >= prefix.length ? !literal.startsWith(prefix) : !prefix.startsWith(literal)) {
            this.report(this.nodeOffset([...at, 'sync', 'groups', i]), `sync group "${String(group)}" does not start with the prefix "${prefix}"`);
          }
        });
        break;
      }
      case 'DELETE_IDENTITY':
        if ('approval' in action) this.notice([...at, 'approval'], asMap(action.approval), 'approval');
        break;
      case 'CREATE_ENTITLEMENT':
        this.formatter([...at, 'name'], action.name);
        this.formatter([...at, 'description'], action.description);
        break;
      case 'RESET_PASSWORD':
        if (target?.scim) {
          this.report(
            this.nodeOffset([...at, 'target']),
            `RESET_PASSWORD acts on Okta only: SCIM applications have no password reset that mails the temporary password; remove \`target: ${target.name}\` or use Okta`,
          );
        }
        this.notice([...at, 'notify'], asMap(action.notify), 'reset-password');
        break;
      case 'NOTIFY':
        this.notice(at, action, 'notify');
        break;
    }
  }

  /** Every attribute a SYNC_IDENTITIES on a SCIM target sets must have a place in a SCIM user. */
  private scimAttributes(at: Path, target: string, attributes: Record<string, unknown>): void {
    for (const name of Object.keys(attributes)) {
      if (scimAttributePath(name) !== undefined) continue;
      const mappable = Object.keys(SCIM_ATTRIBUTES);
      this.report(
        this.yaml.keyOffset([...at, 'attributes'], name) ?? this.nodeOffset([...at, 'attributes']),
        `attribute "${name}" has no place in a SCIM user, so target ${target} cannot take it${suggest(name, mappable)}; a SCIM target takes: ${mappable.join(', ')}`,
      );
    }
  }

  /** A reference to a template: it exists, and every placeholder it uses is one this use provides. */
  private notice(at: Path, notice: Record<string, unknown>, kind: NoticeKind): void {
    this.formatter([...at, 'to'], notice.to);
    const name = notice.template;
    if (typeof name !== 'string') return;
    const where = this.nodeOffset([...at, 'template']);
    const parts = this.templates.get(name);
    if (!parts) {
      const known = [...this.templates.keys()];
      this.report(where, `unknown template "${name}"${suggest(name, known)}; templates: ${known.join(', ') || 'none'}`);
      return;
    }
    for (const { part, placeholders } of parts) {
      for (const placeholder of placeholders) {
        const problem = this.placeholderProblem(placeholder.path, kind);
        if (problem) this.report(where, `template "${name}" ${part} line ${placeholder.line} column ${placeholder.column}: ${problem}`);
      }
    }
  }

  private placeholderProblem(path: string, kind: NoticeKind): string | undefined {
    if (path === PASSWORD_PLACEHOLDER) {
      return kind === 'reset-password'
        ? undefined
        : `<<${PASSWORD_PLACEHOLDER}>> may be used only in a RESET_PASSWORD notify template, where the temporary password exists`;
    }
    if (NOTICE_FIELDS[kind].includes(path)) return undefined;
    const [root, ...rest] = path.split('.');
    const name = rest.join('.');
    if (root === 'okta' && rest.length > 0) {
      const synced = [...this.synced];
      return this.synced.has(name)
        ? undefined
        : `<<${path}>>: no SYNC_IDENTITIES before it in this workflow sets "${name}"${suggest(name, synced)}; they set: ${synced.join(', ') || 'nothing'}`;
    }
    if (root === 'old' && rest.length > 0) return this.attributes?.includes(name) === false ? `<<${path}>>: ${this.unknownAttribute(name)}` : undefined;
    if (!this.attributes || this.attributes.includes(path)) return undefined;
    return `<<${path}>>: ${this.unknownAttribute(path)}${suggest(path, NOTICE_FIELDS[kind])}`;
  }
}
