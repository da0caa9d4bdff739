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

/** Throws Handlebars' own syntax error, which names the line, for the loader to report. */
export function checkTemplateSyntax(source: string): void {
  handlebars.precompile(toHandlebars(source));
}
