import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startMailCatcher } from '../../src/emulator/mail/catcher.ts';

let dir: string;
let stateFile: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenure-mailbox-'));
  stateFile = path.join(dir, 'data', 'mailbox.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function send(smtpUrl: string, messages: Array<{ to: string; messageId: string; text: string }>) {
  const transport = nodemailer.createTransport(smtpUrl);
  for (const message of messages) await transport.sendMail({ from: 'tenure@localhost', subject: 'Welcome', ...message });
  transport.close();
}

it('keeps the mailbox across a restart, deliveries and all, in a file only its owner can read', async () => {
  const first = await startMailCatcher({ stateFile });
  await send(first.smtpUrl, [
    { to: 'a@example.com', messageId: '<one@tenure>', text: 'Your temporary password is: x' },
    { to: 'a@example.com', messageId: '<one@tenure>', text: 'Your temporary password is: x' },
    { to: 'b@example.com', messageId: '<two@tenure>', text: 'Hello' },
  ]);
  const before = first.messages();
  await first.close();
  expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

  const second = await startMailCatcher({ stateFile });
  try {
    expect(second.messages()).toEqual(before);
    expect(second.messages().map(({ to, deliveries }) => ({ to, deliveries }))).toEqual([
      { to: ['a@example.com'], deliveries: 2 },
      { to: ['b@example.com'], deliveries: 1 },
    ]);
    // A sender's retry after the restart is still known for the same message.
    await send(second.smtpUrl, [{ to: 'b@example.com', messageId: '<two@tenure>', text: 'Hello' }]);
    expect(second.messages().map(({ deliveries }) => deliveries)).toEqual([2, 2]);
    // Emptied through its API, it stays empty after the next restart.
    expect((await fetch(`${second.httpUrl}/messages`, { method: 'DELETE' })).status).toBe(204);
  } finally {
    await second.close();
  }
  const third = await startMailCatcher({ stateFile });
  await third.close();
  expect(third.messages()).toEqual([]);
});

it('has the message on disk once SMTP accepted it, without waiting for a clean stop', async () => {
  const catcher = await startMailCatcher({ stateFile });
  try {
    await send(catcher.smtpUrl, [{ to: 'a@example.com', messageId: '<one@tenure>', text: 'Hello' }]);
    // A second catcher reads the file as a crashed sandbox's restart would.
    const reader = await startMailCatcher({ stateFile });
    await reader.close();
    expect(reader.messages().map(({ messageId }) => messageId)).toEqual(['<one@tenure>']);
  } finally {
    await catcher.close();
  }
});

it('refuses a damaged mailbox file, naming it without quoting its contents', async () => {
  await startMailCatcher({ stateFile }).then((catcher) => catcher.close());
  await writeFile(stateFile, '[{"id": "x", "text": "temporary password hunter2"}]');
  const refusal = await startMailCatcher({ stateFile }).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(refusal).toMatch(/^saved mailbox .*mailbox\.json is malformed at 0\./);
  expect(refusal).not.toContain('hunter2');
});
