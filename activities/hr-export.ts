import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PolicySet } from '../src/policy/loader.ts';
import type { TenureConfig } from '../src/runtime/config.ts';
import { HR_SOURCE } from '../src/sources/hr-events.ts';
import { HrExportError, loadHrExport } from '../src/sources/hr-export.ts';
import { importSnapshot, type ImportSummary } from '../src/sources/snapshot-import.ts';

export interface HrExportDependencies {
  client: Client;
  taskQueue: string;
  policySet: PolicySet;
  config: Pick<TenureConfig, 'hrExportPath' | 'hrColumnsFile' | 'guard' | 'adminEmail'>;
}

export function hrExportActivities({ client, taskQueue, policySet, config }: HrExportDependencies) {
  return {
    /**
     * Imports the configured HR export as `tenure hr import` does. An export that is missing or
     * malformed fails for good: a retry would read the same file, and the next pull reads it anew.
     */
    async importHrExport(): Promise<ImportSummary> {
      const file = config.hrExportPath;
      if (file === undefined) throw ApplicationFailure.nonRetryable('no HR export is configured: TENURE_HR_EXPORT_PATH names the file to pull', 'HrExportError');
      const hrExport = await loadHrExport(policySet, file, { source: HR_SOURCE, columnsFile: config.hrColumnsFile }).catch((error: unknown) => {
        throw error instanceof HrExportError ? ApplicationFailure.nonRetryable(error.message, 'HrExportError') : error;
      });
      const { summary } = await importSnapshot(
        { client, taskQueue, policySet, guard: config.guard, admins: config.adminEmail },
        { ...hrExport, now: new Date().toISOString() },
        { onProgress: (done, total) => Context.current().heartbeat({ done, total }) },
      );
      return summary;
    },
  };
}
