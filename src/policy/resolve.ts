import { formatterOf, holds } from './compiled.ts';
import type { Lookup } from './condition.ts';
import type { AttributeSpec, PolicyWorkflow, ValueSpec } from './schema.ts';

/*
 * Resolving a policy's texts against a record: what the planner does for every step, and what
 * the echo rule does to know what the policy would have Okta hold.
 */

export function render(source: string, lookup: Lookup): string {
  return formatterOf(source).render(lookup);
}

/** A group list entry: one group per element of the list attributes it inserts. */
export function renderEach(source: string, lookup: Lookup): string[] {
  return formatterOf(source).renderEach(lookup);
}

/** An attribute's value, or undefined when an IF/ELSE without `else` leaves it out. */
export function resolveValue(spec: ValueSpec, lookup: Lookup): string | undefined {
  if (typeof spec === 'string') return render(spec, lookup);
  if (holds(spec.if, lookup)) return resolveValue(spec.then, lookup);
  return spec.else === undefined ? undefined : resolveValue(spec.else, lookup);
}

/** An attribute of SYNC_IDENTITIES with its options, written either way. */
export function attributeOptions(spec: AttributeSpec): { value: ValueSpec; fallbacks?: string[]; createOnly: boolean } {
  return typeof spec === 'object' && 'value' in spec ? spec : { value: spec, fallbacks: undefined, createOnly: false };
}

/** The lifecycle events a workflow runs on; none for a date trigger. */
export const lifecycleTriggers = (workflow: PolicyWorkflow): readonly string[] =>
  typeof workflow.on === 'string' ? [workflow.on] : Array.isArray(workflow.on) ? workflow.on : [];
