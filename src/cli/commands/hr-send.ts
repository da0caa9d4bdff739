import { readFile } from 'node:fs/promises';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../sources/hr-signature.ts';

/** Signs a file's bytes exactly as they are and posts them, as an HR system would. */
export async function hrSendCommand(options: { file: string; url: string; secret: string }): Promise<void> {
  const body = await readFile(options.file);
  const response = await fetch(`${options.url}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, options.secret) },
    body,
  });
  const answer = await response.text();
  console.log(`${response.status} ${response.statusText}`);
  console.log(answer);
  if (!response.ok) process.exitCode = 1;
}
