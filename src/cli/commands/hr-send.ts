import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../runtime/config.ts';
import { fetchOrExplain } from '../http.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../sources/hr-signature.ts';

/** Signs a file's bytes exactly as they are, together with the current time, and posts them, as an HR system would. */
export async function run(file: string, values: { url?: string; secret?: string }): Promise<void> {
  const config = loadConfig();
  const url = values.url ?? `http://127.0.0.1:${config.intakePort}`;
  const body = await readFile(file);
  const response = await fetchOrExplain('the HR intake', '/hooks/hr', url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, values.secret ?? config.hrWebhookSecret) },
    body,
  });
  const answer = await response.text();
  console.log(`${response.status} ${response.statusText}`);
  console.log(answer);
  if (!response.ok) process.exitCode = 1;
}
