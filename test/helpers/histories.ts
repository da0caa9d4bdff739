import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { projectRoot } from '../../src/runtime/config.ts';

/** Where the replay test finds the histories that today's workflow code must still replay. */
export const HISTORIES_DIR = path.join(projectRoot, 'test/fixtures/histories');

/**
 * With TENURE_RECORD_HISTORIES=1, saves a workflow's history for the replay test, unless one of
 * that name is already there: a recording made by older workflow code stands for the workflows
 * that code left running, so it is kept, and new behaviour gets new names.
 */
export async function saveHistoryIfRecording(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.TENURE_RECORD_HISTORIES) return;
  try {
    await writeFile(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(await handle.fetchHistory()), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
