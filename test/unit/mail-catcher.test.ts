import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../../src/emulator/mail/catcher.ts';

let catcher: MailCatcher;

beforeAll(async () => {
  catcher = await startMailCatcher();
});

afterAll(async () => {
  await catcher?.close();
});

it('shows a message handed over twice under one Message-ID once, counting the deliveries, as a mailbox does', async () => {
  const transport = nodemailer.createTransport(catcher.smtpUrl);
  const message = { from: 'tenure@localhost', subject: 'Welcome', text: 'Hello' };
  await transport.sendMail({ ...message, to: 'a@example.com', messageId: '<one@tenure>' });
  await transport.sendMail({ ...message, to: 'a@example.com', messageId: '<one@tenure>' });
  await transport.sendMail({ ...message, to: 'a@example.com', messageId: '<two@tenure>' });
  await transport.sendMail({ ...message, to: 'b@example.com', messageId: '<one@tenure>' });
  transport.close();

  const seen = catcher.messages().map(({ messageId, to, deliveries }) => ({ messageId, to, deliveries }));
  expect(seen).toEqual([
    { messageId: '<one@tenure>', to: ['a@example.com'], deliveries: 2 },
    { messageId: '<two@tenure>', to: ['a@example.com'], deliveries: 1 },
    { messageId: '<one@tenure>', to: ['b@example.com'], deliveries: 1 },
  ]);
  const listed = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as Array<{ deliveries: number }>;
  expect(listed.map(({ deliveries }) => deliveries)).toEqual([2, 1, 1]);
});
