import { evaluateCondition, parseCondition, type Condition, type Lookup } from './condition.ts';
import { compileFormatter, type CompiledFormatter } from './formatter.ts';
import type { AttributeValue, IdentityRecord } from './schema.ts';

/*
 * Policies hold transformers and conditions as text. They are compiled once, on first use, and
 * kept: the planner runs them for every row of a 100,000-row snapshot. The loader has already
 * reported every text that does not compile, so here a failure is a programming error.
 */
const formatters = new Map<string, CompiledFormatter>();
const conditions = new Map<string, Condition>();

export function formatterOf(source: string): CompiledFormatter {
  let compiled = formatters.get(source);
  if (!compiled) formatters.set(source, (compiled = compileFormatter(source)));
  return compiled;
}

export function conditionOf(text: string): Condition {
  let compiled = conditions.get(text);
  if (!compiled) conditions.set(text, (compiled = parseCondition(text)));
  return compiled;
}

/**
 * Reads attributes of a change: `old.x` from the record before, `new.x` and a bare `x` from the
 * record after. An identity removed from its source has no record after; its last known record
 * stands in, so that a leaver's steps can still speak of it.
 */
export function changeLookup(previous: IdentityRecord | null | undefined, next: IdentityRecord | null | undefined): Lookup {
  const after = next ?? previous ?? undefined;
  return (path: string): AttributeValue | undefined => {
    if (path.startsWith('old.')) return previous?.[path.slice(4)];
    if (path.startsWith('new.')) return after?.[path.slice(4)];
    return after?.[path];
  };
}

export function holds(text: string, lookup: Lookup): boolean {
  return evaluateCondition(conditionOf(text), lookup);
}
