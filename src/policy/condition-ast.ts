import type { AttributeValue } from './schema.ts';

export const COMPARISON_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** Another attribute on the right of an operator, as in `old.department ne new.department`. */
export interface Reference {
  readonly path: string;
}

/** A value written in a condition: one value, never a list. */
export type Literal = Exclude<AttributeValue, readonly string[]>;

export type Operand = Literal | Reference;

export interface Comparison {
  readonly op: ComparisonOperator;
  readonly path: string;
  readonly value: Operand;
}

export interface Presence {
  readonly op: 'pr';
  readonly path: string;
}

export interface Junction {
  readonly op: 'and' | 'or';
  readonly left: Condition;
  readonly right: Condition;
}

export interface Negation {
  readonly op: 'not';
  readonly operand: Condition;
}

/** A parsed policy condition. `and` and `or` associate to the left, as they are read. */
export type Condition = Comparison | Presence | Junction | Negation;

export const isReference = (operand: Operand): operand is Reference => typeof operand === 'object' && operand !== null;

/** The attribute paths a condition reads, as written, each once, in the order they appear. */
export function conditionPaths(condition: Condition): string[] {
  const paths = new Set<string>();
  const visit = (node: Condition): void => {
    switch (node.op) {
      case 'and':
      case 'or':
        visit(node.left);
        visit(node.right);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'pr':
        paths.add(node.path);
        return;
      default:
        paths.add(node.path);
        if (isReference(node.value)) paths.add(node.value.path);
    }
  };
  visit(condition);
  return [...paths];
}
