import nodemailer from 'nodemailer';
import type { RenderedMessage } from './template.ts';

export interface Mailer {
  send(message: RenderedMessage & { to: string; messageId: string }): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}
