import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { z } from 'zod';
import { readSavedJson, writePrivateFile } from '../../runtime/private-file.ts';

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
  /** Where the mailbox is saved after each change and restored from at start; unset, it lives in memory only. */
  stateFile?: string;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((entry) => entry.value.map((address) => address.address ?? '')).filter(Boolean);
}

const SavedMailbox = z.array(
  z.object({
    id: z.string(),
    messageId: z.string().optional(),
    deliveries: z.number().int().positive(),
    receivedAt: z.string(),
    from: z.string(),
    to: z.array(z.string()),
    subject: z.string(),
    text: z.string(),
    html: z.string().optional(),
  }),
);

/**
 * Saves the mailbox after each change. Saves run one at a time; changes made while one runs are
 * saved together by the next, which every caller since waits for (a burst of mail is not written
 * once per message). The file is readable by its owner only: welcome mails carry temporary
 * passwords.
 */
function mailboxSaver(stateFile: string | undefined, inbox: CaughtMessage[]): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  let pending: Promise<void> | undefined;
  return () => {
    if (stateFile === undefined) return Promise.resolve();
    // A failed save does not stop the next one, which writes the whole mailbox again.
    pending ??= last = last
      .catch(() => {})
      .then(() => {
        pending = undefined;
        return writePrivateFile(stateFile, JSON.stringify(inbox));
      });
    return pending;
  };
}

/**
 * A real SMTP server and the mailbox behind it, so that sandbox users and tests see what a
 * recipient would. As large mailbox providers do, it keeps one copy of a message handed over
 * again under the same Message-ID and recipients (a sender's retry), and counts the deliveries.
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  // A restarted sandbox still shows the mails its workflows sent before (they will not be sent again).
  const saved = options.stateFile ? await readSavedJson(options.stateFile, SavedMailbox, 'saved mailbox') : undefined;
  // JSON leaves out an absent Message-ID or HTML part; the mailbox names them undefined.
  const inbox: CaughtMessage[] = (saved ?? []).map((message) => ({ ...message, messageId: message.messageId, html: message.html }));
  const save = mailboxSaver(options.stateFile, inbox);

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
          // Acknowledged once saved: a message SMTP accepted is not lost to a restart.
          return save();
        })
        .then(() => callback())
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => {
      // Once listening, a client that drops its connection (a killed worker) is its problem, not the catcher's.
      smtp.on('error', () => {});
      resolve();
    });
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
    await save();
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
      // The last change is on disk before a restart reads it.
      await save();
    },
  };
}
