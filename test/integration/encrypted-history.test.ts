import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { eventually, postHr, startTestStack } from '../helpers/stack.ts';
import { tenure } from '../helpers/tenure-cli.ts';
import { TEST_ENCRYPTION_KEYS, testEncryptionKeys } from '../helpers/test-encryption-keys.ts';

const execFileAsync = promisify(execFile);
const CODEC_TOKEN = 'codec-token-for-the-test-of-32-bytes-or-more';
const workflowId = 'identity/hr/E2301';
const record = {
  employee_id: 'E2301',
  first_name: 'Aurélie',
  last_name: 'Thorsdottir',
  department: 'Finance',
  title: 'Treasury Analyst',
  manager_id: 'E0777',
  manager_email: 'margarethe.vonstein@example.com',
  status: 'active',
  employment_type: 'FTE',
  start_date: '2026-11-02',
};
const login = 'aurelie.thorsdottir@example.com';
/** What the record says about the person, and what Tenure derives from it: none may be read from Temporal without a key. */
const personalValues = ['Aurélie', 'Aur\\u00e9lie', 'Thorsdottir', login, 'margarethe.vonstein', 'Treasury Analyst', 'Finance', 'E0777', '2026-11-02'];

let stack: TenureStack;

beforeAll(async () => {
  stack = await startTestStack({ encryptionKeys: testEncryptionKeys(), codecToken: CODEC_TOKEN });
});

afterAll(async () => {
  await stack?.stop();
});

/** Every string in the raw history, and each base64 string decoded: where a value could be read. */
function readableTexts(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    found.push(value);
    if (/^[A-Za-z0-9+/]{4,}={0,2}$/.test(value)) found.push(Buffer.from(value, 'base64').toString('utf8'));
  } else if (Array.isArray(value)) for (const item of value) readableTexts(item, found);
  else if (value && typeof value === 'object') for (const [name, item] of Object.entries(value)) readableTexts(item, readableTexts(name, found));
  return found;
}

describe('with TENURE_ENCRYPTION_KEYS set, Temporal holds no personal data in clear', () => {
  it('creates the joiner in Okta, and the raw history holds none of the record', { timeout: 120_000 }, async () => {
    const response = await postHr(stack, JSON.stringify({ eventId: 'hr-evt-2301', record }));
    expect(response.status).toBe(202);
    const user = await eventually(() => stack.okta!.userApi.getUser({ userId: login }));
    expect(user.profile).toMatchObject({ firstName: 'Aurélie', lastName: 'Thorsdottir' });
    const status = await eventually(async () => {
      const current = await stack.client.workflow.getHandle(workflowId).query(statusQuery);
      expect(current.lastEventId).toBe('hr-evt-2301');
      return current;
    });
    expect(status.oktaUserId).toBe(user.id);
    expect(status.lastError).toBeUndefined();

    // A client without the codec reads what Temporal stores, as anyone with access to it would.
    const bare = new Client({ connection: stack.client.connection });
    const handle = bare.workflow.getHandle(workflowId);
    const history = JSON.parse(historyToJSON(await handle.fetchHistory()));
    const texts = readableTexts(history);
    const leaks = personalValues.flatMap((value) => texts.filter((text) => text.toLowerCase().includes(value.toLowerCase())).map((text) => `${value} in ${JSON.stringify(text.slice(0, 200))}`));
    expect(leaks).toEqual([]);
    // The payloads are there, encrypted, not missing.
    expect(texts.filter((text) => text === 'binary/encrypted').length).toBeGreaterThan(5);
    // The memo, which visibility lists hand to anyone who may list workflows, is encrypted as well.
    const { workflowExecutionInfo } = await bare.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
    expect(Buffer.from(workflowExecutionInfo!.memo!.fields!.record!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    // Current details (which name the person) are no event: the UI asks for them by query, and the answer is encrypted.
    const metadataQuery = '__temporal_workflow_metadata';
    expect((await stack.client.workflow.getHandle(workflowId).query<{ currentDetails: string }>(metadataQuery)).currentDetails).toContain('Thorsdottir');
    await expect(handle.query(metadataQuery)).rejects.toThrow(/Unknown encoding: binary\/encrypted/);
    await saveHistoryIfRecording(stack.client.workflow.getHandle(workflowId), 'joiner-encrypted');
  });

  it('answers `tenure status` with the keys, and says what is missing without them', { timeout: 60_000 }, async () => {
    const env = { TEMPORAL_ADDRESS: stack.temporalAddress, TENURE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS, TENURE_CODEC_TOKEN: '' };
    const withKeys = await tenure(['status', workflowId], env);
    expect(withKeys.stderr).toBe('');
    expect(withKeys.stdout).toContain('"last_name": "Thorsdottir"');
    const withoutKeys = await tenure(['status', workflowId], { ...env, TENURE_ENCRYPTION_KEYS: '' });
    expect(withoutKeys.code).not.toBe(0);
    expect(withoutKeys.stdout).not.toContain('Thorsdottir');
    expect(withoutKeys.stderr).toContain('TENURE_ENCRYPTION_KEYS');
  });

  it('shows the history decrypted by `temporal workflow show --codec-endpoint … --codec-auth`, and ciphertext without', { timeout: 60_000 }, async () => {
    const temporal = path.join(projectRoot, '.tools/bin/temporal');
    const show = (...extra: string[]) => execFileAsync(temporal, ['workflow', 'show', '--address', stack.temporalAddress, '--workflow-id', workflowId, '--output', 'json', ...extra]);
    // JSON output keeps payload data in base64, decrypted or not.
    const decoded = await show('--codec-endpoint', `${stack.intakeUrl}/codec`, '--codec-auth', `Bearer ${CODEC_TOKEN}`);
    expect(readableTexts(JSON.parse(decoded.stdout)).some((text) => text.includes('"last_name":"Thorsdottir"'))).toBe(true);
    const raw = await show();
    expect(readableTexts(JSON.parse(raw.stdout)).some((text) => text.includes('Thorsdottir'))).toBe(false);
  });
});
