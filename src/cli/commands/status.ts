import { statusQuery, type IdentityStatus } from '../../../workflows/definitions.ts';
import { withIdentityWorkflow } from '../identity-handle.ts';
import { DEFAULT_TARGET } from '../../targets/actions.ts';
import { accountLine, refusalLine } from '../../../workflows/definitions.ts';

function print(status: IdentityStatus): void {
  const rows: Array<[string, string]> = [
    ['Identity', `${status.source}/${status.key}`],
    ['State', status.lifecycleState],
    ['Okta user', status.oktaUserId ?? (status.deleted ? '(deleted)' : status.oktaUserRefused ? `(none: ${status.oktaUserRefused})` : '(none)')],
    ['Changes', `${status.applied} applied, ${status.pending} queued${status.lastEventId ? `, last event ${status.lastEventId}` : ''}`],
    ['Policy set', status.policyVersion ?? '–'],
  ];
  if (status.lastError) rows.push(['Last error', status.lastError]);
  if (status.removedGroups.length) rows.push(['To restore', status.removedGroups.join(', ')]);
  console.log(rows.map(([name, value]) => `${name.padEnd(12)}${value}`).join('\n'));
  // Every target's account, Okta's included, so that a failure in one stands beside the others' success.
  const accounts = Object.entries(status.accounts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (accounts.some(([target]) => target !== DEFAULT_TARGET)) {
    console.log(`Accounts:\n${accounts.map(([target, account]) => `  ${target.padEnd(10)}${accountLine(account)}${account.removedGroups.length ? `; to restore: ${account.removedGroups.join(', ')}` : ''}`).join('\n')}`);
  }
  const scheduled = [
    ...status.deferred.map(({ at, id, lifecycle, steps }) => `  ${at}  ${id} (${lifecycle}): ${steps.map((step) => step.action.action).join(', ')}`),
    ...status.schedule.map(({ at, id }) => `  ${at}  ${id} (date trigger)`),
    ...status.approvals.map(({ deadline, id, action }) => `  ${deadline}  ${id}: ${action} awaits approval until then (tenure approve|reject)`),
  ].sort();
  console.log(scheduled.length ? `Scheduled:\n${scheduled.join('\n')}` : 'Scheduled:  nothing');
  // Decisions refused (unsigned, forged, by someone not allowed): someone tried, and the record says who they claimed to be.
  const refused = status.refusedDecisions ?? [];
  if (refused.length) console.log(`Refused decisions:\n${refused.map((refusal) => `  ${refusalLine(refusal)}`).join('\n')}`);
  console.log(`Record:\n${JSON.stringify(status.record, null, 2).replace(/^/gm, '  ')}`);
}

/** `tenure status <workflow id> [--json]`: the identity's record, state and what is scheduled for it. */
export async function run(target: string, values: { json?: boolean; address?: string }): Promise<void> {
  const status = await withIdentityWorkflow(target, values.address, (handle) => handle.query(statusQuery));
  if (values.json) console.log(JSON.stringify(status, null, 2));
  else print(status);
}
