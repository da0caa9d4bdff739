import type okta from '@okta/okta-sdk-nodejs';
import { networkErrorCode } from './errors.ts';

type RequestExecutor = InstanceType<typeof okta.RequestExecutor>;
type Request = Parameters<RequestExecutor['fetch']>[0];
type Response = Awaited<ReturnType<RequestExecutor['fetch']>>;

/** Why Okta does not do what Tenure asks, whatever Tenure asks. */
export type OktaTrouble =
  | { kind: 'unreachable'; code: string }
  | { kind: 'unavailable'; status: number }
  | { kind: 'refused'; status: number; errorCode: string | undefined };

/**
 * Says in one line when Okta starts failing, and in one when it answers again, instead of a
 * warning per failed activity attempt. The line names the org and the status or socket error,
 * never the credential. Per-request details stay in the worker's DEBUG log.
 */
export class OktaHealth {
  private current: string | undefined;

  constructor(
    private readonly orgUrl: string,
    /** The setting to fix when the credential is refused: OKTA_API_TOKEN, or the service app's. */
    private readonly credential: string,
    private readonly log: (line: string) => void,
  ) {}

  describe(trouble: OktaTrouble): string {
    const at = `Okta at ${this.orgUrl}`;
    switch (trouble.kind) {
      case 'unreachable':
        return `${at} cannot be reached (${trouble.code}): Tenure's Okta work waits and is retried until it answers.`;
      case 'unavailable':
        return `${at} answers ${trouble.status}: Tenure's Okta work waits and is retried until it answers.`;
      case 'refused':
        return `${at} refuses Tenure's credential (${[trouble.status, trouble.errorCode].filter(Boolean).join(' ')}): fix ${this.credential} and restart Tenure; its Okta work waits until then.`;
    }
  }

  failing(trouble: OktaTrouble): void {
    const line = this.describe(trouble);
    if (line === this.current) return;
    this.current = line;
    this.log(line);
  }

  answered(): void {
    if (this.current === undefined) return;
    this.current = undefined;
    this.log(`Okta at ${this.orgUrl} answers again.`);
  }
}

/** The trouble an answer shows about Okta as a whole, rather than about one request. */
async function troubleOf(response: Response): Promise<OktaTrouble | undefined> {
  if (response.status >= 500) return { kind: 'unavailable', status: response.status };
  // A 403 is usually about one resource (a super admin Tenure may not touch); only a missing scope is about the credential.
  const credential = response.status === 401 || (response.status === 403 && /insufficient_scope/.test(response.headers.get('www-authenticate') ?? ''));
  if (!credential) return undefined;
  const body = await response
    .clone()
    .json()
    .catch(() => undefined);
  const errorCode = typeof body?.errorCode === 'string' ? body.errorCode : typeof body?.error === 'string' ? body.error : undefined;
  return { kind: 'refused', status: response.status, errorCode };
}

/** Makes every request `executor` sends report to `health`. */
export function watchHealth(executor: RequestExecutor, health: OktaHealth): void {
  const fetch = executor.fetch.bind(executor);
  executor.fetch = async (request: Request): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(request);
    } catch (error) {
      const code = networkErrorCode(error);
      if (code) health.failing({ kind: 'unreachable', code });
      throw error;
    }
    const trouble = await troubleOf(response);
    if (trouble) health.failing(trouble);
    else if (response.ok) health.answered();
    return response;
  };
}
