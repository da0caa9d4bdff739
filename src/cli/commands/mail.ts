import type { CaughtMessage } from '../../emulator/mail/catcher.ts';
import { loadConfig } from '../../runtime/config.ts';
import { fetchOrExplain } from '../http.ts';

export async function run(values: { url?: string; json?: boolean }): Promise<void> {
  const url = values.url ?? `http://127.0.0.1:${loadConfig().mailHttpPort}`;
  const response = await fetchOrExplain('the mail catcher', '/messages', url);
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
