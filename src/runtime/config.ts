import path from 'node:path';
import type { LogLevel } from '@temporalio/common';
import { fileURLToPath } from 'node:url';

/** The project root, so that commands behave the same from any working directory. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TenureConfig {
  /** Set when Tenure should use an existing Temporal cluster instead of starting the dev server. */
  temporalAddress: string | undefined;
  temporalNamespace: string;
  taskQueue: string;
  temporalPort: number;
  temporalUiPort: number;
  dataDir: string;
  toolsDir: string;
  intakePort: number;
  /** 127.0.0.1 on a laptop; 0.0.0.0 in a container, where the intake must be reachable. */
  intakeHost: string;
  /** Shared secret that HR systems sign webhook bodies with. */
  hrWebhookSecret: string;
  okta: { orgUrl: string; token: string } | undefined;
  oktaEmulatorPort: number;
  oktaEmulatorToken: string;
  smtpUrl: string | undefined;
  mailSmtpPort: number;
  mailHttpPort: number;
  mailFrom: string;
  policiesDir: string;
  templatesDir: string;
  logLevel: LogLevel;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return value;
}

const logLevels: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

function logLevelFrom(raw: string | undefined): LogLevel {
  const level = (raw || 'WARN').toUpperCase() as LogLevel;
  if (!logLevels.includes(level)) throw new Error(`TENURE_LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${raw}"`);
  return level;
}

/** The sandbox's well-known secret, refused as soon as a real Okta org is configured. */
const SANDBOX_WEBHOOK_SECRET = 'tenure-sandbox-secret';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TenureConfig {
  const orgUrl = env.OKTA_ORG_URL;
  if (orgUrl && !env.OKTA_API_TOKEN) {
    throw new Error('OKTA_ORG_URL is set but OKTA_API_TOKEN is not: Tenure needs an SSWS token for a real Okta org');
  }
  if (orgUrl && !env.HR_WEBHOOK_SECRET) {
    throw new Error('OKTA_ORG_URL is set but HR_WEBHOOK_SECRET is not: a real Okta org must not take HR events signed with the sandbox secret');
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TENURE_TASK_QUEUE || 'tenure',
    temporalPort: intFrom(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort: intFrom(env, 'TEMPORAL_UI_PORT', 8233),
    dataDir: path.resolve(env.TENURE_DATA_DIR || path.join(projectRoot, '.data')),
    toolsDir: path.resolve(env.TENURE_TOOLS_DIR || path.join(projectRoot, '.tools')),
    intakePort: intFrom(env, 'TENURE_INTAKE_PORT', 8080),
    intakeHost: env.TENURE_INTAKE_HOST || '127.0.0.1',
    hrWebhookSecret: env.HR_WEBHOOK_SECRET || SANDBOX_WEBHOOK_SECRET,
    okta: orgUrl ? { orgUrl, token: env.OKTA_API_TOKEN as string } : undefined,
    oktaEmulatorPort: intFrom(env, 'OKTA_EMULATOR_PORT', 8090),
    oktaEmulatorToken: env.OKTA_EMULATOR_TOKEN || 'tenure-sandbox-token',
    smtpUrl: env.SMTP_URL || undefined,
    mailSmtpPort: intFrom(env, 'MAIL_SMTP_PORT', 2525),
    mailHttpPort: intFrom(env, 'MAIL_HTTP_PORT', 8025),
    mailFrom: env.MAIL_FROM || 'Tenure <tenure@localhost>',
    policiesDir: path.resolve(env.TENURE_POLICIES_DIR || path.join(projectRoot, 'policies')),
    templatesDir: path.resolve(env.TENURE_TEMPLATES_DIR || path.join(projectRoot, 'templates')),
    logLevel: logLevelFrom(env.TENURE_LOG_LEVEL),
  };
}
