import Handlebars from 'handlebars';
import type { Template } from '../policy/schema.ts';

/** An isolated Handlebars, with helpers named as the policy formatters' functions are. */
const handlebars = Handlebars.create();
handlebars.registerHelper('LOWER', (value: unknown) => String(value ?? '').toLowerCase());
handlebars.registerHelper('UPPER', (value: unknown) => String(value ?? '').toUpperCase());

/**
 * Templates use `<<placeholder>>` so that they never collide with the `{attr}` formatters of
 * policies; underneath they are Handlebars (`<<#if manager>>`, `<<{raw}>>` …).
 */
function toHandlebars(source: string): string {
  return source.replace(/\{\{/g, '\\{{').replace(/<<(\{?)([\s\S]+?)(\}?)>>/g, '{{$1$2$3}}');
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string | undefined;
}

type Compiled = (context: object) => string;

export interface CompiledTemplate {
  render(context: object): RenderedMessage;
}

/** Compiles every part once; `strict` turns a misspelled placeholder into an error, not a blank. */
export function compileTemplate(template: Template): CompiledTemplate {
  const plain = (source: string): Compiled => handlebars.compile(toHandlebars(source), { noEscape: true, strict: true });
  const subject = plain(template.subject);
  const text = plain(template.text);
  const html: Compiled | undefined = template.html ? handlebars.compile(toHandlebars(template.html), { strict: true }) : undefined;
  return {
    render: (context) => ({ subject: subject(context).trim(), text: text(context), html: html?.(context) }),
  };
}

/** A placeholder a template reads, where it is written (1-based, in the part's own text). */
export interface Placeholder {
  path: string;
  line: number;
  column: number;
}

type HbsNode = { type: string; loc?: { start: { line: number; column: number } }; [key: string]: unknown };

const builtInHelpers = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log']);
// Inside these blocks `this` is something else than the message context, so their contents are not checked.
const contextChangingHelpers = new Set(['each', 'with']);

/**
 * Lists the placeholders a template part reads (throwing Handlebars' own syntax error, which names
 * the line), so that the loader can check each one against
 * what the policies that use the template provide. Helper names (`LOWER`, `if` …) are not
 * placeholders; their arguments are.
 */
export function templatePlaceholders(source: string): Placeholder[] {
  const found: Placeholder[] = [];
  const isHelper = (name: string) => builtInHelpers.has(name) || name in handlebars.helpers;
  const visitValue = (node: HbsNode | undefined): void => {
    if (!node) return;
    if (node.type === 'PathExpression') {
      const path = node as HbsNode & { original: string; data: boolean; this?: boolean };
      if (!path.data && !path.original.startsWith('this') && !path.original.startsWith('../')) {
        found.push({ path: path.original, line: node.loc!.start.line, column: node.loc!.start.column + 1 });
      }
    } else if (node.type === 'SubExpression') {
      visitCall(node);
    }
  };
  const visitCall = (node: HbsNode): void => {
    const path = node.path as HbsNode & { original?: string };
    const params = (node.params as HbsNode[]) ?? [];
    const hashPairs = ((node.hash as { pairs?: Array<{ value: HbsNode }> } | undefined)?.pairs ?? []).map((pair) => pair.value);
    if (path.type !== 'PathExpression' || !isHelper(path.original!)) visitValue(path);
    for (const value of [...params, ...hashPairs]) visitValue(value);
  };
  const visitProgram = (program: HbsNode | undefined): void => {
    for (const statement of (program?.body as HbsNode[] | undefined) ?? []) {
      if (statement.type === 'MustacheStatement') visitCall(statement);
      if (statement.type === 'BlockStatement') {
        visitCall(statement);
        const helper = (statement.path as { original?: string }).original ?? '';
        if (!contextChangingHelpers.has(helper)) visitProgram(statement.program as HbsNode);
        visitProgram(statement.inverse as HbsNode | undefined);
      }
    }
  };
  visitProgram(handlebars.parse(toHandlebars(source)) as unknown as HbsNode);
  return found;
}
