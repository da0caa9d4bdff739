import { isReference, type Condition, type Operand } from './condition-ast.ts';

/** Binding strength, so that only the parentheses the grammar needs are printed. */
const PRECEDENCE = { or: 1, and: 2 } as const;
const precedence = (condition: Condition) => (condition.op === 'or' || condition.op === 'and' ? PRECEDENCE[condition.op] : 3);

function printOperand(operand: Operand): string {
  if (isReference(operand)) return operand.path;
  if (typeof operand === 'string') return JSON.stringify(operand);
  // String(-0) is "0", which would read back as a different number.
  if (Object.is(operand, -0)) return '-0';
  return String(operand);
}

/**
 * The canonical text of a condition: lower-case keywords, `not (…)` as SCIM writes it, and
 * parentheses only where precedence or left-to-right grouping needs them, so it reads back as the
 * same tree.
 */
export function printCondition(condition: Condition): string {
  switch (condition.op) {
    case 'and':
    case 'or': {
      const own = PRECEDENCE[condition.op];
      const left = precedence(condition.left) < own ? `(${printCondition(condition.left)})` : printCondition(condition.left);
      const right = precedence(condition.right) <= own ? `(${printCondition(condition.right)})` : printCondition(condition.right);
      return `${left} ${condition.op} ${right}`;
    }
    case 'not':
      return `not (${printCondition(condition.operand)})`;
    case 'pr':
      return `${condition.path} pr`;
    default:
      return `${condition.path} ${condition.op} ${printOperand(condition.value)}`;
  }
}
