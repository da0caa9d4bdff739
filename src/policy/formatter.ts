import { suggest } from './problems.ts';
import type { IdentityRecord } from './schema.ts';

/**
 * Veza-style attribute formatters: `{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"`.
 * Braces insert an attribute (optionally with its own pipeline, `{department | LOWER}`); pipes
 * outside braces transform the whole value.
 */

interface Call {
  name: string;
  args: string[];
  offset: number;
}
type Part = { literal: string } | { attribute: string; calls: Call[]; offset: number };
export interface Formatter {
  source: string;
  parts: Part[];
  calls: Call[];
}

export class FormatterError extends Error {
  constructor(
    message: string,
    /** Zero-based offset in the formatter text, so the loader can point at the column. */
    readonly offset: number,
  ) {
    super(message);
  }
}

type Fn = { arity: number; apply: (value: string, args: string[]) => string };

const functions: Record<string, Fn> = {
  LOWER: { arity: 0, apply: (value) => value.toLowerCase() },
  UPPER: { arity: 0, apply: (value) => value.toUpperCase() },
  TRIM: { arity: 0, apply: (value) => value.trim() },
  // NFKD splits "é" into "e" and a combining accent, which is then dropped.
  ASCII: { arity: 0, apply: (value) => value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '') },
  APPEND: { arity: 1, apply: (value, [suffix]) => value + suffix },
  PREPEND: { arity: 1, apply: (value, [prefix]) => prefix + value },
};
const knownFunctions = Object.keys(functions);

/** Splits on `separator` where it stands outside quotes and braces, keeping each piece's offset. */
function splitTopLevel(text: string, separator: string, base: number): Array<{ text: string; offset: number }> {
  const pieces: Array<{ text: string; offset: number }> = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '{') depth++;
    else if (!quoted && char === '}') depth--;
    else if (!quoted && depth === 0 && char === separator) {
      pieces.push({ text: text.slice(start, i), offset: base + start });
      start = i + 1;
    }
  }
  if (quoted) throw new FormatterError('unterminated string: a " is not closed', base + text.lastIndexOf('"'));
  pieces.push({ text: text.slice(start), offset: base + start });
  return pieces;
}

function parseCall(piece: { text: string; offset: number }): Call {
  const [head, ...rest] = splitTopLevel(piece.text, ',', piece.offset);
  const name = head!.text.trim();
  const offset = head!.offset + head!.text.indexOf(name);
  const fn = functions[name];
  if (!fn) {
    throw new FormatterError(`unknown function "${name}"${suggest(name, knownFunctions)}; known functions: ${knownFunctions.join(', ')}`, offset);
  }
  const args = rest.map((arg) => {
    const trimmed = arg.text.trim();
    return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
  });
  if (args.length !== fn.arity) {
    throw new FormatterError(`${name} takes ${fn.arity} argument${fn.arity === 1 ? '' : 's'}, got ${args.length}`, offset);
  }
  return { name, args, offset };
}

function parseParts(text: string, base: number): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open === -1) {
      parts.push({ literal: text.slice(i) });
      break;
    }
    if (open > i) parts.push({ literal: text.slice(i, open) });
    const close = text.indexOf('}', open);
    if (close === -1) throw new FormatterError('a { is not closed', base + open);
    const [ref, ...calls] = splitTopLevel(text.slice(open + 1, close), '|', base + open + 1);
    const attribute = ref!.text.trim();
    if (!/^[A-Za-z_][\w.]*$/.test(attribute)) {
      throw new FormatterError(`"${attribute}" is not an attribute name`, ref!.offset);
    }
    parts.push({ attribute, calls: calls.map(parseCall), offset: ref!.offset + ref!.text.indexOf(attribute) });
    i = close + 1;
  }
  return parts;
}

export function parseFormatter(source: string): Formatter {
  const [template, ...calls] = splitTopLevel(source, '|', 0);
  const text = template!.text;
  // Whitespace around a top-level pipe separates; inside the template it is part of the value.
  const trimmed = calls.length > 0 ? text.trimEnd() : text;
  return { source, parts: parseParts(trimmed, template!.offset), calls: calls.map(parseCall) };
}

function applyCalls(value: string, calls: Call[]): string {
  return calls.reduce((current, call) => functions[call.name]!.apply(current, call.args), value);
}

export class MissingAttributeError extends Error {
  constructor(readonly attribute: string) {
    super(`the record has no value for "${attribute}"`);
  }
}

function formatValue(formatter: Formatter, record: IdentityRecord): string {
  const inserted = formatter.parts
    .map((part) => {
      if ('literal' in part) return part.literal;
      const value = record[part.attribute];
      if (value === undefined || value === null || value === '') throw new MissingAttributeError(part.attribute);
      return applyCalls(String(value), part.calls);
    })
    .join('');
  return applyCalls(inserted, formatter.calls);
}

/** Parses and applies in one go; the loader has already proved every formatter parses. */
export function format(source: string, record: IdentityRecord): string {
  return formatValue(parseFormatter(source), record);
}
