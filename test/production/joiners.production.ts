import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPER_ADMIN_ID } from '../../src/emulator/okta/super-admin.ts';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import { createOktaClient, type OktaClient } from '../../src/okta/client.ts';
import { ensureGroups, GroupDirectory } from '../../src/okta/groups.ts';
import { freePort } from '../../src/runtime/ports.ts';
import { connectTemporal } from '../../src/runtime/temporal.ts';
import { temporalTlsFrom } from '../../src/runtime/temporal-tls.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';
import { eventually, postHr, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';
import { tenure } from '../helpers/tenure-cli.ts';
import { startTenureProcess, type TenureProcess } from '../helpers/tenure-process.ts';
import { startOktaEmulatorProcess, upProductionTemporal, type ProductionTemporal } from './shape.ts';
import { startSmtpSink } from './smtp-sink.ts';

/**
 * Tenure on the shape a company runs (issue 15, point 1): Temporal's frontend, history, matching
 * and worker services as separate processes on PostgreSQL (scripts/production/up.sh), TLS with
 * client certificates between Tenure and the frontend, payloads encrypted, and Tenure as four
 * processes: two workers and two intakes (`tenure start --role …`). Okta is the emulator, run as a
 * process of its own with TENURE_OKTA_EMULATOR_RATE_LIMITS=fast (a hundred times Okta's limits), so
 * that the figures measure Tenure and Temporal rather than Okta's rate limit; mail goes to a real SMTP
 * server in this process (smtp-server).
 *
 * Joiners are sent in signed batches to the two intakes in turn. First two measured rounds, one
 * worker then two; then 1,000 joiners, and while they are being carried out a worker is killed
 * with SIGKILL and Temporal's history service is stopped and started again. At the end each of
 * them is in Okta exactly once, with its groups, and has had one welcome mail.
 */

const OKTA_TOKEN = 'production-okta-token';
const DEPARTMENTS = ['Engineering', 'Sales'];
/** Each measured round: joiners per second with one worker, then with two. */
const MEASURED_ROUND = 200;
const MAIN_RUN = 1_000;
const EVENTS_PER_REQUEST = 50;
/** Welcomes of the 1,000 already sent when a worker is killed and history restarted: the work is well under way, far from done. */
const DONE_BEFORE_FAULTS = 300;

interface Joiner {
  key: string;
  login: string;
  department: string;
  manager: string;
}

const joiner = (index: number): Joiner => ({
  key: `P${String(index).padStart(4, '0')}`,
  login: `prod.joiner${index}@example.com`,
  department: DEPARTMENTS[index % DEPARTMENTS.length]!,
  // One manager each, so that a welcome counts for one joiner.
  manager: `manager.p${index}@example.com`,
});
const range = (from: number, count: number) => Array.from({ length: count }, (_, offset) => joiner(from + offset));
const roundOne = range(1, MEASURED_ROUND);
const roundTwo = range(1 + MEASURED_ROUND, MEASURED_ROUND);
const mainRun = range(1 + 2 * MEASURED_ROUND, MAIN_RUN);
const everyone = [...roundOne, ...roundTwo, ...mainRun];

let root: string;
let temporal: ProductionTemporal | undefined;
let emulator: { url: string; stop(): Promise<void> } | undefined;
let okta: OktaClient;
let groupIds: Record<string, string>;
let mail: Awaited<ReturnType<typeof startSmtpSink>>;
let tenureEnv: NodeJS.ProcessEnv;
const workers: TenureProcess[] = [];
const intakes: TenureProcess[] = [];
let intakeUrls: string[] = [];
const figures: string[] = [];

async function startWorker(name: string): Promise<TenureProcess> {
  const worker = await startTenureProcess('worker', {
    ...tenureEnv,
    TENURE_DATA_DIR: path.join(root, name),
    TENURE_WORKER_HTTP_PORT: '0',
    TENURE_WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  });
  workers.push(worker);
  return worker;
}

async function startIntake(name: string): Promise<string> {
  const intake = await startTenureProcess('intake', { ...tenureEnv, TENURE_DATA_DIR: path.join(root, name), TENURE_INTAKE_PORT: '0' });
  intakes.push(intake);
  const hook = intake.banner.map((line) => /^HR intake\s+(\S+)\/hooks\/hr$/.exec(line)?.[1]).find(Boolean);
  if (!hook) throw new Error(`the intake printed no HR intake address:\n${intake.banner.join('\n')}`);
  return hook;
}

/** Whether a process of that pid is alive. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signed batches, to the intakes in turn, as two HR systems (or one behind a load balancer) would send them. */
async function send(people: Joiner[]): Promise<void> {
  for (let start = 0, batch = 0; start < people.length; start += EVENTS_PER_REQUEST, batch++) {
    const body = JSON.stringify(
      people.slice(start, start + EVENTS_PER_REQUEST).map((person) => ({
        eventId: `${person.key}-joins`,
        record: {
          employee_id: person.key,
          first_name: 'Prod',
          last_name: `Joiner${person.key.slice(1).replace(/^0+/, '')}`,
          department: person.department,
          manager_email: person.manager,
          status: 'active',
        },
      })),
    );
    const response = await postHr({ intakeUrl: intakeUrls[batch % intakeUrls.length] }, body);
    expect(response.status).toBe(202);
  }
}

/** Joiners whose manager has had the welcome: the last step of the joiner workflow, so the joiner is done. */
function welcomed(people: Joiner[]): number {
  const recipients = new Set(mail.deliveries().flatMap((delivery) => delivery.to));
  return people.filter((person) => recipients.has(person.manager)).length;
}

/** Sends `people` and waits until `until` of them are done; the rate is what is done per second since the first request. */
async function round(people: Joiner[], until = people.length, within = 300_000): Promise<{ seconds: number; perSecond: number }> {
  const started = performance.now();
  await send(people);
  await eventually(() => expect(welcomed(people)).toBeGreaterThanOrEqual(until), { within, every: 250 });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: until / seconds };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tenure-production-'));
  // Run as root, up.sh runs PostgreSQL as the postgres user, who must pass through this folder.
  await chmod(root, 0o711);
  temporal = await upProductionTemporal(path.join(root, 'temporal'));
  emulator = await startOktaEmulatorProcess(OKTA_TOKEN, { TENURE_OKTA_EMULATOR_RATE_LIMITS: 'fast' });
  okta = createOktaClient({ orgUrl: emulator.url, token: OKTA_TOKEN });
  const groupNames = ['staff', ...DEPARTMENTS.map((department) => `dept-${department.toLowerCase()}`)];
  await ensureGroups(okta, groupNames.map((name) => ({ name })));
  const groups = new GroupDirectory(okta);
  groupIds = Object.fromEntries(await Promise.all(groupNames.map(async (name) => [name, (await groups.find(name))!.id] as const)));
  mail = await startSmtpSink();
  const { policiesDir, templatesDir } = await policyFixture({ policies: { 'employees.yaml': validPolicy }, templates: { 'welcome.yaml': welcomeTemplate } });
  // What up.sh wrote for Tenure (the address, TLS files, encryption keys, codec token), and the rest as an operator sets it.
  tenureEnv = {
    ...temporal.tenureEnv,
    OKTA_ORG_URL: emulator.url,
    OKTA_API_TOKEN: OKTA_TOKEN,
    HR_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    SMTP_URL: mail.smtpUrl,
    TENURE_POLICIES_DIR: policiesDir,
    TENURE_TEMPLATES_DIR: templatesDir,
    // A killed worker and a restarted history service make warnings by the hundred.
    TENURE_LOG_LEVEL: 'ERROR',
  };
  // Each process its own data folder, as on separate machines.
  intakeUrls = [await startIntake('intake-1'), await startIntake('intake-2')];
  await startWorker('worker-1');
}, 420_000);

afterAll(async () => {
  for (const tenure of [...intakes, ...workers]) await tenure.kill();
  await mail?.close();
  await emulator?.stop();
  // Already down when the last test passed; down.sh is safe to rerun.
  await temporal?.down();
  if (figures.length > 0) console.log(`[production] ${figures.join('\n[production] ')}`);
  if (root) await rm(root, { recursive: true, force: true });
}, 180_000);

describe('Tenure on Temporal’s production shape: PostgreSQL, four services, mTLS, encrypted payloads, two workers and two intakes', () => {
  it('lets in only a client that shows a certificate of the cluster’s CA', async () => {
    const tls = temporalTlsFrom(temporal!.tenureEnv)!;
    const refusals = await Promise.all(
      [{ ca: tls.ca, serverName: tls.serverName }, null].map((without) =>
        connectTemporal(temporal!.address, { attempts: 1, connectTimeout: 5_000, tls: without }).then(
          async (connection) => {
            await connection.close();
            return 'let in';
          },
          () => 'refused',
        ),
      ),
    );
    // TLS without a client certificate, then plain gRPC.
    expect(refusals).toEqual(['refused', 'refused']);
    const connection = await connectTemporal(temporal!.address, { attempts: 1, connectTimeout: 5_000, tls });
    await connection.close();
  });

  it('carries out joiners with one worker, then with two, and says how many per second', { timeout: 660_000 }, async () => {
    const one = await round(roundOne);
    await startWorker('worker-2');
    const two = await round(roundTwo);
    figures.push(
      `joiners per second, ${MEASURED_ROUND} each, from the first request until the last welcome: one worker ${one.perSecond.toFixed(2)} (${one.seconds.toFixed(1)} s), two workers ${two.perSecond.toFixed(2)} (${two.seconds.toFixed(1)} s)`,
    );
    expect(welcomed([...roundOne, ...roundTwo])).toBe(2 * MEASURED_ROUND);
  });

  it('carries out 1,000 joiners through both intakes while a worker is killed and the history service restarted', { timeout: 900_000 }, async () => {
    const started = performance.now();
    const before = await round(mainRun, DONE_BEFORE_FAULTS);
    const [victim] = workers.filter((worker) => worker.child.exitCode === null);
    await victim!.kill('SIGKILL');
    const historyPid = () => readFile(path.join(temporal!.dataDir, 'pids', 'history.pid'), 'utf8').then(Number);
    const historyBefore = await historyPid();
    await temporal!.restart('history');
    // A new history process, the old one gone: stopped and started, not left alone.
    expect([await historyPid() !== historyBefore, running(historyBefore)]).toEqual([true, false]);
    await eventually(() => expect(welcomed(mainRun)).toBe(MAIN_RUN), { within: 780_000, every: 1_000 });
    const seconds = (performance.now() - started) / 1000;
    figures.push(
      `the ${MAIN_RUN} with two workers, one SIGKILLed and history restarted after ${before.seconds.toFixed(1)} s (${DONE_BEFORE_FAULTS} welcomed): ` +
        `all done in ${seconds.toFixed(1)} s, ${(MAIN_RUN / seconds).toFixed(2)} joiners per second`,
    );
  });

  it('has each joiner in Okta exactly once, by employee number and by login, with their groups', { timeout: 180_000 }, async () => {
    const users: Array<{ employeeNumber: unknown; login: unknown; status: unknown }> = [];
    for await (const user of await okta.userApi.listUsers({ limit: 200 })) {
      // The org's super admin, who owns the API token, is nobody in HR.
      if (user && user.id !== SUPER_ADMIN_ID) users.push({ employeeNumber: user.profile?.employeeNumber, login: user.profile?.login, status: user.status });
    }
    const sorted = (values: unknown[]) => values.map(String).sort();
    // Sorted lists, not sets: a duplicate shows as a value listed twice.
    expect(sorted(users.map((user) => user.employeeNumber))).toEqual(sorted(everyone.map((person) => person.key)));
    expect(sorted(users.map((user) => user.login))).toEqual(sorted(everyone.map((person) => person.login)));
    expect(new Set(users.map((user) => user.status))).toEqual(new Set(['PROVISIONED']));

    const members = async (group: string) => {
      const logins: string[] = [];
      for await (const user of await okta.groupApi.listGroupUsers({ groupId: groupIds[group]!, limit: 200 })) if (user) logins.push(String(user.profile?.login));
      return logins.sort();
    };
    expect(await members('staff')).toEqual(sorted(everyone.map((person) => person.login)));
    for (const department of DEPARTMENTS) {
      const expected = everyone.filter((person) => person.department === department).map((person) => person.login);
      expect(await members(`dept-${department.toLowerCase()}`)).toEqual(sorted(expected));
    }
  });

  it('gives each joiner’s manager exactly one welcome mail', () => {
    // A send retried after a killed worker lost SMTP's answer comes again under its Message-ID:
    // the same mail handed over twice, which SMTP cannot take back. Any other is a second mail.
    const mails = new Map<string, Set<string | undefined>>();
    let handedOver = 0;
    for (const delivery of mail.deliveries()) {
      handedOver += 1;
      for (const to of delivery.to) mails.set(to, (mails.get(to) ?? new Set()).add(delivery.messageId));
    }
    expect(everyone.filter((person) => mails.get(person.manager)?.size !== 1).map((person) => `${person.key}: ${[...(mails.get(person.manager) ?? [])].join(', ')}`)).toEqual([]);
    expect([...mails.keys()].sort()).toEqual(everyone.map((person) => person.manager).sort());
    expect([...mails.values()].some((ids) => ids.has(undefined))).toBe(false);
    figures.push(`welcome mails: ${everyone.length}, handed to SMTP ${handedOver} times`);
  });

  it('keeps the workflows in the cluster’s PostgreSQL, their history with no personal data in clear', async () => {
    const connect = async (database: string) => {
      const client = new pg.Client({ host: '127.0.0.1', port: temporal!.postgres.port, user: 'temporal', password: temporal!.postgres.password, database });
      await client.connect();
      return client;
    };
    const temporalDb = await connect('temporal');
    try {
      const ids = everyone.map((person) => identityWorkflowId('hr', person.key));
      const { rows } = await temporalDb.query<{ workflow_id: string }>('SELECT workflow_id FROM current_executions WHERE workflow_id = ANY($1)', [ids]);
      expect(rows.map((row) => row.workflow_id).sort()).toEqual([...ids].sort());
      // Every history event as Temporal stored it: every login and manager address ends in
      // @example.com and every last name begins with Joiner; none may be in clear. The payloads
      // are there, under Tenure's encoding.
      const { rows: history } = await temporalDb.query<{ nodes: string; personal: string; encrypted: string }>(
        `SELECT count(*) AS nodes,
                count(*) FILTER (WHERE position(convert_to('@example.com', 'UTF8') IN data) > 0 OR position(convert_to('Joiner', 'UTF8') IN data) > 0) AS personal,
                count(*) FILTER (WHERE position(convert_to('binary/encrypted', 'UTF8') IN data) > 0) AS encrypted
         FROM history_node`,
      );
      expect(Number(history[0]!.nodes)).toBeGreaterThan(everyone.length);
      expect(Number(history[0]!.personal)).toBe(0);
      expect(Number(history[0]!.encrypted)).toBeGreaterThan(everyone.length);
    } finally {
      await temporalDb.end();
    }
  });

  it('answers the tenure CLI with up.sh’s settings, and refuses it without the client certificate, naming the settings to check', { timeout: 60_000 }, async () => {
    // As the test's own environment holds no TLS setting, each run has exactly what it is given.
    const status = await tenure(['status', 'hr/P0001'], tenureEnv);
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/^Changes +1 applied, 0 queued, last event P0001-joins$/m);

    const { TEMPORAL_TLS_CERT: _cert, TEMPORAL_TLS_KEY: _key, ...withoutCertificate } = tenureEnv;
    const refused = await tenure(['status', 'hr/P0001'], withoutCertificate);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`cannot reach Temporal at ${temporal!.address}`);
    expect(refused.stderr).toContain('check TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY and TEMPORAL_TLS_SERVER_NAME');
  });

  it('is stopped whole by down.sh: no Temporal service and no PostgreSQL left running', { timeout: 120_000 }, async () => {
    const dataDir = temporal!.dataDir;
    const servicePids = await Promise.all(['frontend', 'history', 'matching', 'worker'].map(async (service) => Number(await readFile(path.join(dataDir, 'pids', `${service}.pid`), 'utf8'))));
    // PostgreSQL's postmaster writes its pid as the first line of postmaster.pid.
    const postgresPid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect([...servicePids, postgresPid].map(running)).toEqual([true, true, true, true, true]);
    for (const tenure of [...intakes, ...workers]) await tenure.kill();
    await temporal!.down();
    expect([...servicePids, postgresPid].map(running)).toEqual([false, false, false, false, false]);
  });
});
