import { proxyActivities } from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import type { ImportSummary } from '../src/sources/snapshot-import.ts';

// Delivering a large export's changes takes minutes; the heartbeats tell a stuck worker from a busy one.
const { importHrExport } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * One scheduled pull of the configured HR export (TENURE_HR_EXPORT_PATH): its changes are
 * delivered, or held by the mass-change guard, exactly as `tenure hr import` would. The result
 * is the import's summary, for the Temporal UI.
 */
export async function hrExportPull(): Promise<ImportSummary> {
  return importHrExport();
}
