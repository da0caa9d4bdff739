import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import { deliverChange } from '../identity/deliver.ts';
import { startMailCatcher, type MailCatcher } from '../emulator/mail/catcher.ts';
import { startOktaEmulator, type OktaEmulator } from '../emulator/okta/server.ts';
import { createMailer } from '../notify/mailer.ts';
import { createOktaClient, type OktaClient } from '../okta/client.ts';
import { ensureGroups } from '../okta/groups.ts';
import { identityKeyAttribute, loadPolicySet, type PolicySet } from '../policy/loader.ts';
import { buildIntakeServer } from '../server/intake.ts';
import { projectRoot, type TenureConfig } from './config.ts';
import { startDevServer, type DevServer } from './dev-server.ts';
import { locateTemporalCli } from './temporal-cli.ts';
import { connectTemporal, ensureSearchAttributes } from './temporal.ts';
import { startWorker } from './worker.ts';

export interface StackOptions {
  /** Tests run the dev server without its UI, so that several can run side by side. */
  headless?: boolean;
  log?: (line: string) => void;
}

export interface TenureStack {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  intakeUrl: string;
  oktaUrl: string;
  /** Set only in sandbox mode. */
  oktaEmulator: OktaEmulator | undefined;
  mailCatcher: MailCatcher | undefined;
  client: Client;
  okta: OktaClient;
  policySet: PolicySet;
  stop(): Promise<void>;
}

/**
 * Starts Tenure and whatever it needs that the configuration does not point elsewhere: the
 * Temporal dev server, the Okta emulator and the mail catcher. Stops in reverse order.
 */
export async function startTenure(config: TenureConfig, options: StackOptions = {}): Promise<TenureStack> {
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<unknown> | unknown> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const policySet = await loadPolicySet(config.policiesDir, config.templatesDir);

    let devServer: DevServer | undefined;
    let connection: Connection;
    if (config.temporalAddress) {
      connection = await connectTemporal(config.temporalAddress, { attempts: 10 });
      await ensureSearchAttributes(connection, config.temporalNamespace);
      stops.push(() => connection.close());
    } else {
      const cliPath = await locateTemporalCli(config.toolsDir, process.env, log);
      devServer = await startDevServer({
        cliPath,
        dataDir: config.dataDir,
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        namespace: config.temporalNamespace,
        headless: options.headless,
      });
      connection = devServer.connection;
      stops.push(() => devServer!.stop());
    }
    const temporalAddress = config.temporalAddress ?? devServer!.address;
    const client = new Client({ connection, namespace: config.temporalNamespace });

    let oktaEmulator: OktaEmulator | undefined;
    let oktaConnection = config.okta;
    if (!oktaConnection) {
      oktaEmulator = await startOktaEmulator({ port: config.oktaEmulatorPort, token: config.oktaEmulatorToken });
      stops.push(() => oktaEmulator!.close());
      oktaConnection = { orgUrl: oktaEmulator.url, token: config.oktaEmulatorToken };
    }
    const okta = createOktaClient(oktaConnection);
    if (oktaEmulator) {
      const groups = JSON.parse(await readFile(path.join(projectRoot, 'examples/okta-groups.json'), 'utf8'));
      await ensureGroups(okta, groups);
    }

    let mailCatcher: MailCatcher | undefined;
    let smtpUrl = config.smtpUrl;
    if (!smtpUrl) {
      mailCatcher = await startMailCatcher({ smtpPort: config.mailSmtpPort, httpPort: config.mailHttpPort });
      stops.push(() => mailCatcher!.close());
      smtpUrl = mailCatcher.smtpUrl;
    }
    const mailer = createMailer(smtpUrl, config.mailFrom);
    stops.push(() => mailer.close());

    const worker = await startWorker({
      address: temporalAddress,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      dependencies: { policySet, okta, mailer },
    });
    stops.push(() => worker.stop());

    const intake = buildIntakeServer({
      hr: {
        secret: config.hrWebhookSecret,
        keyAttribute: identityKeyAttribute(policySet, 'hr'),
        deliver: (event) => deliverChange(client, config.taskQueue, event),
      },
    });
    const intakeUrl = await intake.listen({ port: config.intakePort, host: config.intakeHost });
    stops.push(() => intake.close());

    return {
      temporalAddress,
      temporalUiUrl: devServer?.uiUrl,
      intakeUrl,
      oktaUrl: oktaConnection.orgUrl,
      oktaEmulator,
      mailCatcher,
      client,
      okta,
      policySet,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
