import { parseArgs } from 'node:util';
import type { CaughtMessage } from '../../emulator/mail/catcher.ts';
import { loadConfig } from '../../runtime/config.ts';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1 || positionals[0] !== 'list') throw new Error('usage: tenure mail list [--url U] [--json]');
  const url = values.url ?? `http://127.0.0.1:${loadConfig().mailHttpPort}`;
  const response = await fetch(`${url}/messages`);
  if (!response.ok) throw new Error(`the mailbox at ${url} answered ${response.status}`);
  const messages = (await response.json()) as CaughtMessage[];
  if (values.json) {
    console.log(JSON.stringify(messages, null, 2));
    return;
  }
  if (messages.length === 0) {
    console.log('The mailbox is empty.');
    return;
  }
  for (const message of messages) {
    console.log(`${message.receivedAt}  to ${message.to.join(', ')}  "${message.subject}"`);
    console.log(message.text.replace(/^/gm, '    ').trimEnd());
    console.log('');
  }
}
