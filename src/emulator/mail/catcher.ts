import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMessage {
  id: string;
  /** The sender's Message-ID, which stays the same when a sender retries a message. */
  messageId: string | undefined;
  /** How many times SMTP was handed this message; the mailbox shows it once. */
  deliveries: number;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | undefined;
}

export interface MailCatcher {
  smtpUrl: string;
  httpUrl: string;
  messages(): CaughtMessage[];
  close(): Promise<void>;
}

export interface MailCatcherOptions {
  smtpPort?: number;
  httpPort?: number;
  host?: string;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((entry) => entry.value.map((address) => address.address ?? '')).filter(Boolean);
}

/**
 * A real SMTP server and the mailbox behind it, so that sandbox users and tests see what a
 * recipient would. As large mailbox providers do, it keeps one copy of a message handed over
 * again under the same Message-ID and recipients (a sender's retry), and counts the deliveries.
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const inbox: CaughtMessage[] = [];

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
          const resent = parsed.messageId
            ? inbox.find((message) => message.messageId === parsed.messageId && message.to.join() === to.join())
            : undefined;
          if (resent) {
            resent.deliveries += 1;
          } else {
            inbox.push({
              id: randomUUID(),
              messageId: parsed.messageId,
              deliveries: 1,
              receivedAt: new Date().toISOString(),
              from: addresses(parsed.from)[0] ?? session.envelope.mailFrom?.toString() ?? '',
              to,
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: parsed.html === false ? undefined : parsed.html,
            });
          }
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const http = Fastify();
  http.get('/messages', async () => inbox);
  http.get<{ Params: { id: string } }>('/messages/:id', async (request, reply) => {
    const message = inbox.find((candidate) => candidate.id === request.params.id);
    return message ?? reply.code(404).send({ error: `no message ${request.params.id}` });
  });
  http.delete('/messages', async (_request, reply) => {
    inbox.length = 0;
    return reply.code(204).send();
  });
  const httpUrl = await http.listen({ port: options.httpPort ?? 0, host });

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl,
    messages: () => [...inbox],
    async close() {
      await http.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
