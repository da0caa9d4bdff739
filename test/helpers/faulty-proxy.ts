import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A reverse proxy in front of a real SCIM application, for the failures a test needs the real
 * application to have: down for a while (connections refused), answering 429 or 5xx a number of
 * times, or a final 4xx. It passes everything else through unchanged and counts the requests.
 */
export interface FaultyProxy {
  url: string;
  /** Requests passed through or failed, as `METHOD /path` (no query). */
  requests: string[];
  /** The next `times` requests answer `status`, with a SCIM error body and these headers. */
  fail(status: number, times: number, headers?: Record<string, string>, detail?: string): void;
  /** Refuses connections until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const base = new URL(upstream);
  let failures: Array<{ status: number; headers: Record<string, string>; detail: string }> = [];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${(request.url ?? '').split('?')[0]}`);
    const failure = failures.shift();
    if (failure) {
      response.writeHead(failure.status, { 'content-type': 'application/scim+json', ...failure.headers });
      response.end(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(failure.status), detail: failure.detail }));
      return;
    }
    const forward = http.request(
      { host: base.hostname, port: base.port, method: request.method, path: request.url, headers: { ...request.headers, host: base.host } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<number>((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: `http://127.0.0.1:${port}${base.pathname.replace(/\/$/, '')}`,
    requests,
    fail(status, times, headers = {}, detail = `injected ${status}`) {
      failures = [...failures, ...Array.from({ length: times }, () => ({ status, headers, detail }))];
    },
    down: stop,
    async up() {
      await listen(port);
    },
    close: stop,
  };
}
