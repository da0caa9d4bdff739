import type { CaughtMessage } from '../../emulator/mail/catcher.ts';

export async function mailListCommand(options: { url: string; json: boolean }): Promise<void> {
  const response = await fetch(`${options.url}/messages`);
  if (!response.ok) throw new Error(`the mailbox at ${options.url} answered ${response.status}`);
  const messages = (await response.json()) as CaughtMessage[];
  if (options.json) {
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
