import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../../src/emulator/mail/catcher.ts';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import { createOktaClient } from '../../src/okta/client.ts';
import { ensureGroups } from '../../src/okta/groups.ts';
import { freePort } from '../../src/runtime/ports.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';
import { eventually, postHr, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';
import { startTenureProcess, upProductionTemporal, type ProductionTemporal, type TenureProcess } from './shape.ts';

/**
 * Tenure on the shape a company runs: Temporal's frontend, history, matching and worker services
 * as separate processes on PostgreSQL (scripts/production/up.sh), and Tenure as two processes, a
 * worker and an intake (`tenure start --role …`). A handful of joiners posted to the intake must
 * reach Okta (the emulator, in this process) with their groups and one welcome mail each, with
 * their workflows kept in that PostgreSQL; down.sh must then leave nothing running.
 */

const OKTA_TOKEN = 'production-okta-token';
const DEPARTMENTS = ['Engineering', 'Sales'];
const JOINERS = 5;

const people = Array.from({ length: JOINERS }, (_, index) => ({
  key: `P${String(index + 1).padStart(4, '0')}`,
  login: `prod.joiner${index + 1}@example.com`,
  department: DEPARTMENTS[index % DEPARTMENTS.length]!,
  manager: `manager${index + 1}@example.com`,
}));

let root: string;
let temporal: ProductionTemporal | undefined;
let emulator: OktaEmulator;
let mail: MailCatcher;
let worker: TenureProcess | undefined;
let intake: TenureProcess | undefined;
let intakeUrl: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tenure-production-'));
  // Run as root, up.sh runs PostgreSQL as the postgres user, who must pass through this folder.
  await chmod(root, 0o711);
  temporal = await upProductionTemporal(path.join(root, 'temporal'));
  emulator = await startOktaEmulator({ token: OKTA_TOKEN });
  await ensureGroups(
    createOktaClient({ orgUrl: emulator.url, token: OKTA_TOKEN }),
    ['staff', ...DEPARTMENTS.map((department) => `dept-${department.toLowerCase()}`)].map((name) => ({ name })),
  );
  mail = await startMailCatcher();
  const { policiesDir, templatesDir } = await policyFixture({ policies: { 'employees.yaml': validPolicy }, templates: { 'welcome.yaml': welcomeTemplate } });
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    OKTA_ORG_URL: emulator.url,
    OKTA_API_TOKEN: OKTA_TOKEN,
    HR_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    SMTP_URL: mail.smtpUrl,
    TENURE_POLICIES_DIR: policiesDir,
    TENURE_TEMPLATES_DIR: templatesDir,
    TENURE_LOG_LEVEL: 'WARN',
  };
  // Each process its own data folder, as on separate machines.
  worker = await startTenureProcess('worker', {
    ...env,
    TENURE_DATA_DIR: path.join(root, 'worker'),
    TENURE_WORKER_HTTP_PORT: '0',
    TENURE_WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  });
  intake = await startTenureProcess('intake', { ...env, TENURE_DATA_DIR: path.join(root, 'intake'), TENURE_INTAKE_PORT: '0' });
  const hook = intake.banner.map((line) => /^HR intake\s+(\S+)\/hooks\/hr$/.exec(line)?.[1]).find(Boolean);
  if (!hook) throw new Error(`the intake printed no HR intake address:\n${intake.banner.join('\n')}`);
  intakeUrl = hook;
}, 420_000);

afterAll(async () => {
  await intake?.kill();
  await worker?.kill();
  await mail?.close();
  await emulator?.close();
  // Already down when the last test passed; down.sh is safe to rerun.
  await temporal?.down();
  if (root) await rm(root, { recursive: true, force: true });
}, 180_000);

describe('Tenure on Temporal’s production shape (PostgreSQL, four services, a worker and an intake process)', () => {
  it('takes joiners at the intake and gives each an Okta user with their groups and one welcome mail', { timeout: 180_000 }, async () => {
    const body = JSON.stringify(
      people.map((person, index) => ({
        eventId: `${person.key}-joins`,
        record: {
          employee_id: person.key,
          first_name: 'Prod',
          last_name: `Joiner${index + 1}`,
          department: person.department,
          manager_email: person.manager,
          status: 'active',
        },
      })),
    );
    expect((await postHr({ intakeUrl }, body)).status).toBe(202);

    const oktaState = () =>
      Object.fromEntries(
        people.map((person) => {
          const user = emulator.store.findUser(person.login);
          const groups = user ? emulator.store.groupsOf(user.id).map((group) => String(group.profile.name)).sort() : undefined;
          return [person.key, user && { employeeNumber: user.profile.employeeNumber, status: user.status, groups }];
        }),
      );
    const expected = Object.fromEntries(
      people.map((person) => [person.key, { employeeNumber: person.key, status: 'PROVISIONED', groups: ['Everyone', `dept-${person.department.toLowerCase()}`, 'staff'] }]),
    );
    // PROVISIONED: created and activated without a password, as Okta has it until the person sets one.
    await eventually(() => expect(oktaState()).toEqual(expected), { within: 120_000, every: 500 });

    const welcomes = () => people.map((person) => mail.messages().filter((message) => message.to.includes(person.manager)).length);
    await eventually(() => expect(welcomes()).toEqual(people.map(() => 1)), { within: 60_000, every: 500 });
  });

  it('keeps each joiner’s workflow in the cluster’s PostgreSQL', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: temporal!.postgres.port, user: 'temporal', password: temporal!.postgres.password, database: 'temporal' });
    await client.connect();
    try {
      const ids = people.map((person) => identityWorkflowId('hr', person.key));
      const { rows } = await client.query<{ workflow_id: string }>('SELECT workflow_id FROM current_executions WHERE workflow_id = ANY($1)', [ids]);
      expect(rows.map((row) => row.workflow_id).sort()).toEqual([...ids].sort());
    } finally {
      await client.end();
    }
  });

  it('is stopped whole by down.sh: no Temporal service and no PostgreSQL left running', { timeout: 120_000 }, async () => {
    const pidsDir = path.join(root, 'temporal', 'pids');
    const servicePids = await Promise.all(['frontend', 'history', 'matching', 'worker'].map(async (service) => Number(await readFile(path.join(pidsDir, `${service}.pid`), 'utf8'))));
    // PostgreSQL's postmaster writes its pid as the first line of postmaster.pid.
    const postgresPid = Number((await readFile(path.join(root, 'temporal', 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const running = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect([...servicePids, postgresPid].map(running)).toEqual([true, true, true, true, true]);
    await intake!.kill();
    await worker!.kill();
    await temporal!.down();
    expect([...servicePids, postgresPid].map(running)).toEqual([false, false, false, false, false]);
  });
});
