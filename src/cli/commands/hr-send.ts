import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../runtime/config.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../sources/hr-signature.ts';

/** Signs a file's bytes exactly as they are, together with the current time, and posts them, as an HR system would. */
export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, secret: { type: 'string' } },
  });
  const [sub, file, ...extra] = positionals;
  if (sub !== 'send' || file === undefined || extra.length > 0) throw new Error('usage: tenure hr send <file.json> [--url U] [--secret S]');
  const config = loadConfig();
  const url = values.url ?? `http://127.0.0.1:${config.intakePort}`;
  const body = await readFile(file);
  const response = await fetch(`${url}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, values.secret ?? config.hrWebhookSecret) },
    body,
  });
  const answer = await response.text();
  console.log(`${response.status} ${response.statusText}`);
  console.log(answer);
  if (!response.ok) process.exitCode = 1;
}
