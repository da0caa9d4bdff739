import { parseArgs } from 'node:util';
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
async function decide(decision: keyof typeof updates, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { step: { type: 'string' }, by: { type: 'string' }, address: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new Error(`usage: tenure ${decision} <workflow id> [--step policy/workflow] [--by NAME] [--address HOST:PORT]`);
  const answer = await withIdentityWorkflow(positionals[0]!, values.address, async (handle) => {
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

export const approve = (argv: string[]) => decide('approve', argv);
export const reject = (argv: string[]) => decide('reject', argv);
