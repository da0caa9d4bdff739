import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { LogEntry } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { decisionKeysFrom } from '../decisions/keys.ts';
import { startScimApps, type ScimApps } from '../emulator/scim-apps/server.ts';
import { PolicyValidationError } from '../policy/problems.ts';
import { checkTargetCapabilities } from '../targets/capability-check.ts';
import { createTargets } from '../targets/registry.ts';
import { SANDBOX_SCIM_TOKEN, scimConnectionFor } from '../targets/sandbox-address.ts';
import type { ScimConnection } from '../targets/scim/connection.ts';
import { startMailCatcher, type MailCatcher } from '../emulator/mail/catcher.ts';
import { startOktaEmulator, type OktaEmulator, type OktaEmulatorOptions } from '../emulator/okta/server.ts';
import type { ChangeEvent } from '../identity/change-event.ts';
import { deliverChange } from '../identity/deliver.ts';
import { createMailer, type Mailer } from '../notify/mailer.ts';
import { createOktaClient, type OktaClient, type OktaConnection } from '../okta/client.ts';
import { PacingRequestExecutor } from '../okta/pacing.ts';
import { countingAccepted } from '../metrics/registry.ts';
import { reportOktaPacing } from '../metrics/okta-pacing.ts';
import { reportHeldBatches } from '../metrics/held-batches.ts';
import { correlationClientInterceptor } from '../logging/correlation-context.ts';
import { defaultLogFormat } from '../logging/log-format.ts';
import { createProcessLog } from '../logging/process-log.ts';
import { allOf, startHealthServer, temporalAnswers } from './health-server.ts';
import { OktaHealth } from '../okta/health.ts';
import { probeOkta } from '../okta/probe.ts';
import { publicJwkOf } from '../okta/service-app-auth.ts';
import { ensureGroups } from '../okta/groups.ts';
import { identityKeyAttribute, loadPolicySet, type PolicySet } from '../policy/loader.ts';
import { newAdminSecret, removeAdminFile, writeAdminFile } from '../scim/admin-file.ts';
import { directoryMayHoldData, lazyScimDirectory } from '../scim/directory/lazy.ts';
import { startOutboxRelay, type OutboxRelay } from '../scim/outbox-relay.ts';
import { buildIntakeServer } from '../server/intake.ts';
import { codecSetup } from '../server/codec-route.ts';
import { decisionsSetup } from '../server/decisions-route.ts';
import { tenureDataConverter } from '../payload-encryption/data-converter.ts';
import { emulatorConnection, projectRoot, type TenureConfig } from './config.ts';
import { claimDataDir, SANDBOX_ORG } from './data-dir.ts';
import { startDevServer } from './dev-server.ts';
import { wireSandboxScim, type SandboxScim } from './sandbox-scim.ts';
import { locateTemporalCli } from './temporal-cli.ts';
import { connectTemporal, ensureSearchAttributes } from './temporal.ts';
import { ensureSchedules } from './schedules.ts';
import { startWorker } from './worker.ts';

/** `all` for one process on a laptop; `worker` and `intake` scale out separately in production. */
export const roles = ['all', 'worker', 'intake'] as const;
export type Role = (typeof roles)[number];

export interface StackOptions {
  role?: Role;
  /** Tests run the dev server without its UI, so that several can run side by side. */
  headless?: boolean;
  log?: (line: string) => void;
  /** Where the worker's log entries go instead of the process's log; tests read them. */
  workerLog?: (entry: LogEntry) => void;
  /** Where the process's log lines (the intake's, the worker's; in JSON the notices too) go instead of stdout (JSON) or stderr (text); tests read them. */
  logSink?: (line: string) => void;
  /** Dev server settings for tests: `limit.historyCount.suggestContinueAsNew` and the like. */
  devServerConfig?: Record<string, string | number>;
  /** Emulator settings for tests and benchmarks: smaller rate limits, a seeded fault draw, its clock, its OIDC apps. */
  oktaEmulator?: Pick<OktaEmulatorOptions, 'rateLimits' | 'random' | 'now' | 'oidcClients'>;
}

export interface TenureStack {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  client: Client;
  taskQueue: string;
  policySet: PolicySet;
  intakeUrl: string | undefined;
  /** A role `worker` process's /healthz, /readyz and /metrics; unset otherwise (the intake serves them). */
  workerHttpUrl: string | undefined;
  /** Okta and mail are the worker's: unset in an intake-only process. */
  okta: OktaClient | undefined;
  oktaUrl: string | undefined;
  oktaEmulator: OktaEmulator | undefined;
  mailCatcher: MailCatcher | undefined;
  /** The sandbox's emulated SCIM applications, when a target names one and there is no real org. */
  scimApps: ScimApps | undefined;
  /** The emulated org's app that provisions into Tenure by SCIM; unset on a real org. */
  sandboxScim: SandboxScim | undefined;
  stop(): Promise<void>;
}

type Stopper = () => Promise<unknown> | unknown;

async function startTemporal(config: TenureConfig, options: StackOptions, stops: Stopper[]) {
  if (config.temporalAddress) {
    const connection = await connectTemporal(config.temporalAddress, { attempts: 10, tls: config.temporalTls });
    stops.push(() => connection.close());
    await ensureSearchAttributes(connection, config.temporalNamespace);
    return { address: config.temporalAddress, uiUrl: undefined, connection };
  }
  const server = await startDevServer({
    cliPath: await locateTemporalCli(config.toolsDir, process.env, options.log),
    dataDir: config.dataDir,
    port: config.temporalPort,
    uiPort: config.temporalUiPort,
    namespace: config.temporalNamespace,
    headless: options.headless,
    dynamicConfig: options.devServerConfig,
  });
  stops.push(() => server.stop());
  return { address: server.address, uiUrl: server.uiUrl, connection: server.connection };
}

/**
 * A real org when configured; otherwise the emulator, given the groups the example policy uses,
 * and called as the configured service app when there is one. The emulated org is saved beside the dev server's data, so that a restarted sandbox finds the
 * users its workflows made.
 */
async function startOkta(config: TenureConfig, options: StackOptions, stops: Stopper[]) {
  const log = options.log ?? ((line: string) => console.error(line));
  const healthOf = (connection: OktaConnection, credential: string) => new OktaHealth(connection.orgUrl, credential, log);
  // The workers' client's pacer, whose 429 counts and budget /metrics reports.
  const paced = () => {
    const requestExecutor = new PacingRequestExecutor();
    stops.push(reportOktaPacing(requestExecutor));
    return requestExecutor;
  };
  if (config.okta) {
    const credential = 'token' in config.okta ? 'OKTA_API_TOKEN' : 'the service app (OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_SCOPES)';
    const health = healthOf(config.okta, credential);
    // The probe's own client: its refusal is the start's one error line, not also a health line.
    await probeOkta(createOktaClient(config.okta), health);
    return { okta: createOktaClient(config.okta, { health, requestExecutor: paced() }), url: config.okta.orgUrl, emulator: undefined };
  }
  const serviceApp = config.oktaEmulatorServiceApp;
  const emulator = await startOktaEmulator({
    port: config.oktaEmulatorPort,
    token: config.oktaEmulatorToken,
    admin: true,
    stateFile: path.join(config.dataDir, 'okta-emulator.json'),
    oauthClients: serviceApp ? [{ clientId: serviceApp.clientId, name: 'Tenure', keys: [publicJwkOf(serviceApp)], scopes: serviceApp.scopes }] : [],
    ...(config.oktaEmulatorFastRateLimits ? { rateLimits: { fast: true } } : {}),
    ...options.oktaEmulator,
  });
  if (emulator.rateLimitNotice) options.log?.(emulator.rateLimitNotice);
  stops.push(() => emulator.close());
  const connection = emulatorConnection(config, emulator.url);
  const okta = createOktaClient(connection, { health: healthOf(connection, serviceApp ? 'OKTA_CLIENT_ID' : 'OKTA_EMULATOR_TOKEN'), requestExecutor: paced() });
  await ensureGroups(okta, JSON.parse(await readFile(path.join(projectRoot, 'examples/okta-groups.json'), 'utf8')));
  return { okta, url: emulator.url, emulator };
}

/** How long the start waits for one SCIM target to say what it can do. */
const CAPABILITIES_WAIT_MS = 5_000;

/** The promise's answer, or a rejection with `reason` once `ms` have passed. */
function withinMs<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(reason)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The targets the worker acts on: Okta, and each SCIM application of the targets document. In the
 * sandbox (no real org) a target with `sandbox:` is the emulated application, started here, so that
 * trying Tenure never writes to a real one. What each SCIM target can do is read now, as
 * `tenure validate` reads it: a policy it cannot carry out stops the start; a target that cannot
 * be reached is said, and its work waits for it.
 */
async function startTargets(config: TenureConfig, policySet: PolicySet, okta: Awaited<ReturnType<typeof startOkta>>, options: StackOptions, stops: Stopper[]) {
  const definitions = [...policySet.targets.values()];
  let scimApps: ScimApps | undefined;
  if (okta.emulator && definitions.some(({ definition }) => definition.sandbox)) {
    const apps = await startScimApps({ port: config.scimAppsPort, token: SANDBOX_SCIM_TOKEN, stateFile: path.join(config.dataDir, 'scim-apps.json') });
    stops.push(() => apps.close());
    scimApps = apps;
  }
  const connections = new Map<string, ScimConnection>(
    definitions.map(({ name, definition }) => [
      name,
      scimConnectionFor(name, definition, { sandbox: scimApps !== undefined, origin: scimApps?.url }),
    ]),
  );
  const targets = createTargets(okta.okta, connections);
  // A target slow to answer must not hold the start: past the bound it is one that could not be reached.
  const check = await checkTargetCapabilities(policySet, (name) => withinMs(targets.get(name).capabilities(), CAPABILITIES_WAIT_MS, `${name} did not answer within ${CAPABILITIES_WAIT_MS / 1000} s`));
  if (check.problems.length > 0) throw new PolicyValidationError(check.problems);
  for (const { target, reason } of check.unreachable) (options.log ?? console.error)(`Target ${target} could not be reached (${reason}); its work waits until it answers.`);
  return { targets, scimApps };
}

async function startMail(config: TenureConfig, stops: Stopper[]): Promise<{ mailer: Mailer; catcher: MailCatcher | undefined }> {
  let catcher: MailCatcher | undefined;
  if (!config.smtpUrl) {
    // Saved beside the emulated org, so that a restarted sandbox still shows the mails its users got.
    catcher = await startMailCatcher({ smtpPort: config.mailSmtpPort, httpPort: config.mailHttpPort, stateFile: path.join(config.dataDir, 'mailbox.json') });
    stops.push(() => catcher!.close());
  }
  const mailer = createMailer(config.smtpUrl ?? catcher!.smtpUrl, config.mailFrom);
  stops.push(() => mailer.close());
  return { mailer, catcher };
}

/**
 * The SCIM directory the intake serves, and the relay that hands its changes to the identity
 * workflows (after each write, and on a timer). Once the intake listens, `tenure scim …` finds it
 * through the admin file, since an embedded directory is open in this process only.
 */
async function startScimDirectory(config: TenureConfig, deliver: (event: ChangeEvent) => Promise<unknown>, options: StackOptions, stops: Stopper[]) {
  await mkdir(config.dataDir, { recursive: true });
  const directoryOptions = { databaseUrl: config.databaseUrl, dataDir: config.dataDir };
  // Opened by the first SCIM request or `tenure scim` call, so an intake nobody provisions into
  // starts without paying for it; the relay starts with it. At once when it may hold changes
  // still to deliver from an earlier run.
  let relay: OutboxRelay | undefined;
  const directory = lazyScimDirectory(directoryOptions, (opened) => (relay = startOutboxRelay({ directory: opened, deliver, log: options.log })));
  stops.push(() => directory.close());
  stops.push(async () => relay?.stop());
  if (await directoryMayHoldData(directoryOptions)) await directory.open();
  const adminSecret = newAdminSecret();
  return {
    options: { directory, onChange: () => relay?.trigger(), log: options.log, adminSecret },
    async listening(intakeUrl: string) {
      await writeAdminFile(config.dataDir, { url: intakeUrl, secret: adminSecret });
      stops.push(() => removeAdminFile(config.dataDir));
    },
  };
}

/**
 * Starts Tenure and whatever it needs that the configuration does not point elsewhere: the
 * Temporal dev server, the Okta emulator and the mail catcher. Stops in reverse order.
 */
export async function startTenure(config: TenureConfig, options: StackOptions = {}): Promise<TenureStack> {
  const role = options.role ?? 'all';
  const logFormat = config.logFormat ?? defaultLogFormat(role);
  const processLog = createProcessLog({ format: logFormat, level: config.logLevel, role, write: options.logSink });
  // In JSON every line is an object, the operator's notices too; in text they stay the lines they were.
  if (logFormat === 'json') options = { ...options, log: processLog.notice };
  const stops: Stopper[] = [];
  // Every part is stopped even when an earlier one fails to stop, so nothing is left running.
  const stop = async () => {
    const failures: unknown[] = [];
    for (const step of stops.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'some parts of Tenure did not stop cleanly');
  };
  try {
    const policySet = await loadPolicySet(config.policiesDir, config.templatesDir);
    // Before anything writes there: the dev server's history, and the emulator's org.
    if (!config.temporalAddress || (!config.okta && role !== 'intake')) await claimDataDir(config.dataDir, config.okta?.orgUrl ?? SANDBOX_ORG);
    // Once, after the data folder is claimed (the sandbox keeps its pair there): a bad key is refused at once, and the intake signs with the pair the worker verifies with.
    const decisionKeys = decisionKeysFrom(process.env, config.dataDir, config.okta === undefined);
    // Okta first: a refused credential is said before the dev server takes a minute to start.
    const okta = role !== 'intake' ? await startOkta(config, options, stops) : undefined;
    const temporal = await startTemporal(config, options, stops);
    const dataConverter = tenureDataConverter(config.encryptionKeys);
    // Every start and signal carries the correlation id of the request or activity that sent it.
    const client = new Client({ connection: temporal.connection, namespace: config.temporalNamespace, dataConverter, interceptors: { workflow: [correlationClientInterceptor] } });

    let mail: Awaited<ReturnType<typeof startMail>> | undefined;
    let workerHttpUrl: string | undefined;
    let scimApps: ScimApps | undefined;
    if (okta) {
      const started = await startTargets(config, policySet, okta, options, stops);
      scimApps = started.scimApps;
      mail = await startMail(config, stops);
      const worker = await startWorker({
        address: temporal.address,
        // The dev server speaks plain gRPC; a cluster at TEMPORAL_ADDRESS as configured.
        tls: config.temporalAddress ? config.temporalTls : null,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        activities: createActivities({
          policySet,
          okta: okta.okta,
          targets: started.targets,
          mailer: mail.mailer,
          client,
          taskQueue: config.taskQueue,
          config,
          // The worker checks decisions with the public key only (TENURE_DECISION_PUBLIC_KEY; the sandbox's own pair without one; none for a real org without it, and every decision is refused).
          decisionKey: decisionKeys.verifying,
        }),
        logLevel: config.logLevel,
        log: options.workerLog ?? processLog.temporal,
        dataConverter,
        // Only a worker process: the SDK serves its metrics from a fixed address, once per process,
        // and several one-process stacks on a machine (tests, a laptop) would fight over it.
        metricsAddress: role === 'worker' ? config.workerMetricsAddress : undefined,
      });
      stops.push(() => worker.stop());
      await ensureSchedules(client, config, config.taskQueue, policySet);
      if (role === 'worker') {
        const ready = allOf(async () => (worker.running() ? undefined : 'the worker is not polling its task queue'), temporalAnswers(client));
        const health = await startHealthServer({ host: config.workerHttpHost, port: config.workerHttpPort, ready });
        stops.push(() => health.close());
        workerHttpUrl = health.url;
      }
    }

    let intakeUrl: string | undefined;
    let sandboxScim: SandboxScim | undefined;
    if (role !== 'worker') {
      const deliver = countingAccepted((event: ChangeEvent, correlationId?: string) => deliverChange(client, config.taskQueue, event, correlationId));
      const scim = await startScimDirectory(config, deliver, options, stops);
      const decisions = decisionsSetup({ config, emulatorUrl: okta?.emulator?.url, client, keys: decisionKeys });
      options.log?.(decisions.notice);
      const intake = buildIntakeServer({
        hr: { secret: config.hrWebhookSecret, keyAttribute: identityKeyAttribute(policySet, 'hr'), policySet, deliver },
        okta: config.oktaHookSecret ? { secret: config.oktaHookSecret, eventTypes: config.oktaHookEventTypes, deliver, log: options.log } : undefined,
        scim: scim.options,
        // Readers of the records sign in to the Temporal UI with the same issuer as those who decide.
        codec: codecSetup(config, 'options' in decisions ? decisions.options.issuer : config.oidcIssuer),
        decisions: 'options' in decisions ? decisions.options : undefined,
        ready: temporalAnswers(client),
        logger: processLog.logger,
      });
      intakeUrl = await intake.listen({ port: config.intakePort, host: config.intakeHost });
      stops.push(() => intake.close());
      stops.push(reportHeldBatches(client, [...new Set(policySet.policies.map(({ policy }) => policy.source))]));
      await scim.listening(intakeUrl);
      // The sandbox's Okta provisions into Tenure as a real org would, once someone is assigned.
      if (okta?.emulator && config.sandboxScim) sandboxScim = await wireSandboxScim({ okta: okta.okta, directory: scim.options.directory, intakeUrl });
    }

    return {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      client,
      taskQueue: config.taskQueue,
      policySet,
      intakeUrl,
      workerHttpUrl,
      okta: okta?.okta,
      oktaUrl: okta?.url,
      oktaEmulator: okta?.emulator,
      mailCatcher: mail?.catcher,
      scimApps,
      sandboxScim,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
