import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { tenureDataConverter } from '../../src/payload-encryption/data-converter.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import { workflowInterceptorModules } from '../../src/runtime/worker.ts';
import { HISTORIES_DIR } from '../helpers/histories.ts';
import { testEncryptionKeys } from '../helpers/test-encryption-keys.ts';

/*
 * Workflows run for months (a leaver dated next year waits that long), so today's workflow code
 * must replay the histories that earlier code wrote. The recordings come from the integration
 * tests (TENURE_RECORD_HISTORIES=1 npx vitest run test/integration); a change that breaks one
 * needs `patched()` in the workflow, not a new recording.
 */
// The replay worker's start and stop would otherwise fill the test output at INFO.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** Histories recorded with TENURE_ENCRYPTION_KEYS set (the test key of test/helpers/test-encryption-keys.ts). */
const ENCRYPTED = /-encrypted\.json$/;

async function replayFailures(files: string[], dataConverter?: DataConverter): Promise<string[]> {
  const histories = await Promise.all(
    files.map(async (name) => ({
      workflowId: path.basename(name, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES_DIR, name), 'utf8'))),
    })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: path.join(projectRoot, 'workflows/index.ts'), dataConverter, interceptors: { workflowModules: workflowInterceptorModules } }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}

const historyFiles = async () => (await readdir(HISTORIES_DIR)).filter((name) => name.endsWith('.json')).sort();

it('replays every recorded workflow history (identities, System Log polls) with the current workflow code', { timeout: 120_000 }, async () => {
  const files = (await historyFiles()).filter((name) => !ENCRYPTED.test(name));
  expect(files.length).toBeGreaterThanOrEqual(5);
  expect(await replayFailures(files)).toEqual([]);
});

it('replays the histories recorded with encrypted payloads, decrypting them with the codec', { timeout: 120_000 }, async () => {
  const files = (await historyFiles()).filter((name) => ENCRYPTED.test(name));
  expect(files.length).toBeGreaterThanOrEqual(1);
  expect(await replayFailures(files, tenureDataConverter(testEncryptionKeys()))).toEqual([]);
});

it('replays the histories from before encryption with encryption on, as workflows running when it is switched on do', { timeout: 120_000 }, async () => {
  const files = (await historyFiles()).filter((name) => !ENCRYPTED.test(name));
  expect(await replayFailures(files, tenureDataConverter(testEncryptionKeys()))).toEqual([]);
});
