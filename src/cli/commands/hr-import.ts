import { loadPolicySet } from '../../policy/loader.ts';
import { loadConfig } from '../../runtime/config.ts';
import { HR_SOURCE } from '../../sources/hr-events.ts';
import { loadHrExport } from '../../sources/hr-export.ts';
import { importSnapshot, type ImportSummary } from '../../sources/snapshot-import.ts';
import { withTemporalClient } from '../identity-handle.ts';
import { reportValidationProblems } from '../policy-problems.ts';
import { formatSnapshot } from '../plan-table.ts';
import { progress } from '../progress.ts';

const figure = (value: number) => value.toLocaleString('en-US');

function printSummary(file: string, rows: number, summary: ImportSummary, dryRun: boolean): void {
  console.log(`${file} (batch ${summary.batchId}): ${figure(rows)} rows`);
  const counts: Array<[string, number]> = [
    ['joiners', summary.joiners],
    ['movers', summary.movers],
    ['leavers', summary.leavers],
    ['rehires', summary.rehires],
    ['updates', summary.updates],
    ['unchanged', summary.unchanged],
  ];
  const width = Math.max(...counts.map(([, value]) => figure(value).length));
  for (const [name, value] of counts) console.log(`  ${name.padEnd(10)}${figure(value).padStart(width)}`);
  const changes = summary.joiners + summary.movers + summary.leavers + summary.rehires + summary.updates;
  if (dryRun) console.log('Dry run: nothing was delivered.');
  else if (summary.held) {
    const held = summary.held.workflowId.endsWith(`/${summary.batchId}`) ? 'the whole import' : 'the earlier held import';
    console.log(`Held for approval, nothing applied: ${summary.held.reason}.`);
    console.log(`  tenure approve ${summary.held.workflowId}   applies ${held}`);
    console.log(`  tenure reject ${summary.held.workflowId}    drops ${held === 'the whole import' ? 'it' : 'that one; then import this export again'}`);
  } else if (changes === 0) console.log('Nothing changed: Tenure holds every record already.');
  else console.log(`Delivered ${figure(summary.delivered)} change${summary.delivered === 1 ? '' : 's'} to the identity workflows.`);
}

/** `tenure hr import <file>`: every row of an HR export against what Tenure knows, the differences delivered. */
export async function run(file: string, values: { dryRun?: boolean; columns?: string; source?: string; json?: boolean; address?: string }): Promise<void> {
  const dryRun = values.dryRun ?? false;
  const config = loadConfig();
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(config.policiesDir, config.templatesDir);
    const hrExport = await loadHrExport(policySet, file, { source: values.source ?? HR_SOURCE, columnsFile: values.columns ?? config.hrColumnsFile });
    const rows = hrExport.records.length;
    const { summary, plan } = await withTemporalClient(values.address, (client) =>
      importSnapshot(
        { client, taskQueue: config.taskQueue, policySet, guard: config.guard, admins: config.adminEmail },
        { ...hrExport, now: new Date().toISOString() },
        { dryRun, onProgress: progress('changes delivered') },
      ),
    );
    if (values.json) {
      console.log(JSON.stringify({ file, rows, summary, ...(dryRun ? { plan } : {}) }, null, 2));
      return;
    }
    if (plan) {
      console.log(formatSnapshot(plan));
      console.log('');
    }
    printSummary(file, rows, summary, dryRun);
  });
}
