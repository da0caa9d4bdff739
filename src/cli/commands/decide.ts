import type { ApprovalAnswer } from '../../../workflows/definitions.ts';
import { fetchOrExplain } from '../http.ts';
import { workflowIdOf } from '../identity-handle.ts';
import { intakeUrlOf, operatorToken } from './login.ts';

function describeAnswer(answer: ApprovalAnswer): string {
  if (!answer.id.startsWith('guard/') && !answer.id.startsWith('held/')) {
    return answer.decision === 'approved'
      ? `Approved: ${answer.action} of ${answer.id} runs now.`
      : `Rejected: ${answer.action} of ${answer.id} and the rest of that workflow will not run.`;
  }
  // A mass change: the guard's held deprovisionings, or a held import.
  return answer.decision === 'approved' ? `Released: ${answer.action} (${answer.id}). Applying now.` : `Dropped: ${answer.action} (${answer.id}). Nothing of it is applied.`;
}

/**
 * `tenure approve|reject <workflow id> [--step policy/workflow] [--intake URL]`: answers a step
 * waiting for approval, through the intake, as the person signed in (`tenure login`). The intake
 * signs the decision; the workflow checks that signature and whether that person may decide.
 */
async function decide(decision: 'approve' | 'reject', target: string, values: DecideOptions): Promise<void> {
  const workflowId = workflowIdOf(target);
  const token = values.token ?? (await operatorToken());
  const intake = intakeUrlOf(values.intake);
  const response = await fetchOrExplain(
    'the intake',
    `/api/v1/decisions/${decision}`,
    intake,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workflowId, ...(values.step === undefined ? {} : { step: values.step }) }),
    },
    '--intake',
  );
  const body = (await response.json().catch(() => ({}))) as { error?: string } & Partial<ApprovalAnswer>;
  if (response.ok) {
    console.log(describeAnswer(body as ApprovalAnswer));
    return;
  }
  // The intake's own 404 for a route it does not serve, told apart from "no such workflow".
  if (response.status === 404 && body.error?.startsWith('no route')) {
    throw new Error(`the intake at ${intake} takes no decisions: it said why when it started (TENURE_OIDC_ISSUER, TENURE_OIDC_CLIENT_ID or TENURE_DECISION_KEY is not set)`);
  }
  // 401: the sign-in; 403: the workflow refused this person or the proof; 404: no such workflow; 409: nothing waits.
  const prefix = response.status === 401 ? 'the intake refused the sign-in: ' : '';
  throw new Error(`${prefix}${body.error ?? `the intake answered HTTP ${response.status}`}`);
}

export interface DecideOptions {
  step?: string;
  intake?: string;
  /** For callers in this process (tests): the ID token, instead of TENURE_OPERATOR_TOKEN or the session. */
  token?: string;
}

export const approve = (target: string, options: DecideOptions) => decide('approve', target, options);
export const reject = (target: string, options: DecideOptions) => decide('reject', target, options);
