/**
 * Policy conditions, such as a workflow's `when:`, in the SCIM filter syntax that Veza's lifecycle
 * conditions use: `employment_type eq "FTE" and not (department eq "Legal")`,
 * `old.department ne new.department`. Parse once when the policy loads; evaluate per record.
 *
 * - Operators eq ne co sw ew gt ge lt le and pr; `not` binds tighter than `and`, `and` than `or`.
 * - Text compares case-insensitively; two ISO-8601 dates or date-times compare as instants; a
 *   number literal reads numeric text as a number, `eq true` reads "TRUE" as true.
 * - A missing attribute is no value, as null is: only `eq null` and `ne` hold for it.
 * - A list (a SCIM user's `groups`) holds when any element does, and an empty one is no value;
 *   `ne` stays `not eq` ("in none of them"); two lists are `eq` when they hold the same elements.
 * - On the right of an operator an attribute is written `old.x` or `new.x`; a bare word there is
 *   refused as text missing its quotes.
 */
export type { Comparison, ComparisonOperator, Condition, Junction, Negation, Operand, Presence, Reference } from './condition-ast.ts';
export { conditionPaths } from './condition-ast.ts';
export { compileCondition, evaluateCondition, type Lookup, type Predicate } from './condition-eval.ts';
export { ConditionSyntaxError } from './condition-lexer.ts';
export { parseCondition } from './condition-parser.ts';
export { printCondition } from './condition-print.ts';
