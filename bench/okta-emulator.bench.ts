import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { FAST_RATE_LIMITS } from '../src/emulator/okta/rate-limits.ts';
import { startOktaEmulator } from '../src/emulator/okta/server.ts';
import { percentile, printTable } from './report.ts';

/**
 * Throughput and latency of the Okta emulator's hottest routes: fetching a user by id (what every
 * Tenure workflow does first) and creating a user. Concurrent clients keep their connections
 * alive, as the SDK does, so the figures measure the emulator rather than TCP handshakes.
 */

const TOKEN = 'bench-api-token';
const SEEDED_USERS = 1_000;
const CONNECTIONS = 32;
const WARM_UP_REQUESTS = 5_000;
const GET_REQUESTS = 50_000;
const CREATE_REQUESTS = 10_000;
const GET_TARGET_PER_SECOND = 5_000;
/** Far above any request count here, so that the emulator's rate limiter never answers 429. */
const UNTHROTTLED = 1_000_000_000;

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface Measurement {
  label: string;
  requests: number;
  failures: number;
  seconds: number;
  /** CPU time the process (emulator and load generator) spent, which other load on the machine does not inflate. */
  cpuSeconds: number;
  latenciesMs: Float64Array;
}

class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  /** Sends one call and resolves with the status and body once the whole answer has arrived. */
  send(call: Call): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `SSWS ${TOKEN}`, accept: 'application/json' };
      if (call.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(call.body));
      }
      const options = { agent: this.agent, host: this.host, port: this.port, method: call.method, path: call.path, headers };
      const outgoing = request(options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(call.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Makes `count` calls from CONNECTIONS concurrent loops, each sending its next call when its last
 * was answered, and hands each answer's body to `answered`.
 */
async function measure(
  client: KeepAliveClient,
  label: string,
  count: number,
  callAt: (index: number) => Call,
  answered: (index: number, body: string) => void = () => {},
): Promise<Measurement> {
  const latenciesMs = new Float64Array(count);
  let next = 0;
  let failures = 0;
  const loop = async () => {
    for (let index = next++; index < count; index = next++) {
      const sent = process.hrtime.bigint();
      const { status, body } = await client.send(callAt(index));
      latenciesMs[index] = Number(process.hrtime.bigint() - sent) / 1e6;
      if (status < 200 || status >= 300) failures += 1;
      answered(index, body);
    }
  };
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { label, requests: count, failures, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, latenciesMs };
}

/** As Tenure creates a joiner: activated at once, without a password. */
function newUserCall(login: string): Call {
  const profile = { login, email: login, firstName: 'Bench', lastName: 'User' };
  return { method: 'POST', path: '/api/v1/users?activate=true', body: JSON.stringify({ profile }) };
}

function printMeasurements(measurements: readonly Measurement[]): void {
  const rows = measurements.map((m) => {
    const sorted = m.latenciesMs.slice().sort();
    return [
      m.label,
      m.requests.toLocaleString('en-US'),
      Math.round(m.requests / m.seconds).toLocaleString('en-US'),
      Math.round(m.requests / m.cpuSeconds).toLocaleString('en-US'),
      percentile(sorted, 0.5).toFixed(2),
      percentile(sorted, 0.99).toFixed(2),
      m.failures.toLocaleString('en-US'),
    ];
  });
  printTable(['route', 'requests', 'req/s', 'req/CPU-s', 'p50 ms', 'p99 ms', 'non-2xx'], rows);
}

export async function run(): Promise<void> {
  const limits = { users: UNTHROTTLED, user: UNTHROTTLED };
  const emulator = await startOktaEmulator({ token: TOKEN, port: 0, rateLimits: { ...FAST_RATE_LIMITS, limits } });
  const client = new KeepAliveClient(emulator.url);
  try {
    const runId = Date.now().toString(36);
    const ids: string[] = [];
    const seeding = await measure(
      client,
      'seed',
      SEEDED_USERS,
      (index) => newUserCall(`seed${index}.${runId}@example.com`),
      (index, body) => (ids[index] = (JSON.parse(body) as { id: string }).id),
    );
    if (seeding.failures > 0) throw new Error(`${seeding.failures} of ${SEEDED_USERS} seed users were refused`);
    const getUser = (index: number): Call => ({ method: 'GET', path: `/api/v1/users/${ids[index % ids.length]}` });

    // Unmeasured, so that the routes run optimised code when measuring starts.
    await measure(client, 'warm-up', WARM_UP_REQUESTS, getUser);
    const gets = await measure(client, 'GET /api/v1/users/{id}', GET_REQUESTS, getUser);
    const creates = await measure(client, 'POST /api/v1/users', CREATE_REQUESTS, (index) =>
      newUserCall(`bench${index}.${runId}@example.com`),
    );

    const seeded = SEEDED_USERS.toLocaleString('en-US');
    console.log(`\nOkta emulator: ${seeded} seeded users, ${CONNECTIONS} concurrent keep-alive connections`);
    console.log(
      `The emulator and this load generator share one Node process and its event loop, on a machine with ` +
        `${availableParallelism()} cores that anything else running also uses: req/s is a lower bound. ` +
        `req/CPU-s counts requests per second of the process's own CPU time, load generator included.\n`,
    );
    printMeasurements([gets, creates]);
    const getsPerSecond = gets.requests / gets.seconds;
    const verdict = getsPerSecond >= GET_TARGET_PER_SECOND ? 'met' : 'NOT met';
    console.log(`\nTarget of ${GET_TARGET_PER_SECOND.toLocaleString('en-US')} GET/s: ${verdict}.\n`);
  } finally {
    client.close();
    await emulator.close();
  }
}
