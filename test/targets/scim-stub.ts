import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny HTTP server standing in for a SCIM application (or its token endpoint) in the tests of
 * what the target makes of an answer: each request goes to `handle`, which answers as the test
 * needs. It notes each request's method, path and Authorization header for the test to check.
 */
export interface StubServer {
  url: string;
  requests: Array<{ method: string; path: string; authorization: string | undefined; body: string; at: number }>;
  close(): Promise<void>;
}

export type StubHandler = (request: IncomingMessage & { body: string }, response: ServerResponse) => void;

export async function startStub(handle: StubHandler): Promise<StubServer> {
  const requests: StubServer['requests'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization, body, at: Date.now() });
      handle(Object.assign(request, { body }), response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/scim+json', ...headers });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}
