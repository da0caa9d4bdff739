import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, rejectUpdate, type ApprovalAnswer } from '../../../workflows/definitions.ts';
import { withIdentityWorkflow } from '../identity-handle.ts';

const updates = { approve: approveUpdate, reject: rejectUpdate } as const;

function describeAnswer(answer: ApprovalAnswer): string {
  if (!answer.id.startsWith('guard/') && !answer.id.startsWith('held/')) {
    return answer.decision === 'approved'
      ? `Approved: ${answer.action} of ${answer.id} runs now.`
      : `Rejected: ${answer.action} of ${answer.id} and the rest of that workflow will not run.`;
  }
  // A mass change: the guard's held deprovisionings, or a held import.
  return answer.decision === 'approved' ? `Released: ${answer.action} (${answer.id}). Applying now.` : `Dropped: ${answer.action} (${answer.id}). Nothing of it is applied.`;
}

/** `tenure approve|reject <workflow id> [--step policy/workflow] [--by NAME]`: answers a step waiting for approval. */
async function decide(decision: keyof typeof updates, target: string, values: DecideOptions): Promise<void> {
  const answer = await withIdentityWorkflow(target, values.address, async (handle) => {
    try {
      return (await handle.executeUpdate(updates[decision], { args: [{ id: values.step, by: values.by ?? process.env.USER }] })) as ApprovalAnswer;
    } catch (error) {
      // The workflow's validator says why nothing was decided: that is the message for the operator.
      if (error instanceof WorkflowUpdateFailedError) throw new Error(error.cause?.message ?? error.message);
      throw error;
    }
  });
  console.log(describeAnswer(answer));
}

export interface DecideOptions {
  step?: string;
  by?: string;
  address?: string;
}

export const approve = (target: string, options: DecideOptions) => decide('approve', target, options);
export const reject = (target: string, options: DecideOptions) => decide('reject', target, options);
