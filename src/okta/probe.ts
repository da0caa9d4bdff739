import type { OktaClient } from './client.ts';
import { failedAnswer, networkErrorCode } from './errors.ts';
import type { OktaHealth } from './health.ts';

/**
 * One cheap read at start-up (the first user), so that a wrong org or credential is said at once
 * rather than at the first joiner. A refused credential stops the start: nothing has been
 * accepted yet, and whoever starts Tenure is there to fix it. Okta unreachable or failing does
 * not: work queued in Temporal waits for it, and `health` says when it answers again.
 */
export async function probeOkta(client: OktaClient, health: OktaHealth): Promise<void> {
  try {
    const users = await client.userApi.listUsers({ limit: 1 });
    await users.next();
  } catch (error) {
    const answer = failedAnswer(error);
    if (answer && (answer.status === 401 || answer.status === 403)) {
      throw new Error(health.describe({ kind: 'refused', status: answer.status, errorCode: answer.errorCode }));
    }
    // Other workers, or another tenant of the org, may hold the budget: that is a wait, not a wrong setting.
    if (answer && (answer.status >= 500 || answer.status === 429)) return health.failing({ kind: 'unavailable', status: answer.status });
    const code = networkErrorCode(error);
    if (code) return health.failing({ kind: 'unreachable', code });
    throw error;
  }
}
