import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as SMTP was handed it: a retried send comes again under the same Message-ID. */
export interface Delivery {
  to: string[];
  messageId: string | undefined;
}

/**
 * A real SMTP server (the smtp-server package) that keeps every delivery. Unlike the sandbox's mail
 * catcher it expects its clients to die: this suite kills a worker with SIGKILL, whose open SMTP
 * connections then end in ECONNRESET (or EPIPE), which is counted and said once in the test's output, not thrown.
 */
export async function startSmtpSink(): Promise<{ smtpUrl: string; deliveries(): Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  let dropped = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          deliveries.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), messageId: parsed.messageId });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  smtp.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
    dropped += 1;
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    deliveries: () => [...deliveries],
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (dropped > 0) console.log(`[production] SMTP connections dropped by their client (a killed worker): ${dropped}`);
    },
  };
}
