import path from 'node:path';
import type { LogLevel } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import type { OktaConnection } from '../okta/client.ts';
import { readPrivateKey, type OktaServiceApp } from '../okta/service-app-auth.ts';
import type { GuardLimits } from '../guard/limits.ts';
import type { Approvers } from '../policy/schema.ts';
import { durationMs } from './duration.ts';
import { isLoopback } from './loopback.ts';
import { checkOktaEventTypes } from '../sources/okta-events.ts';
import { fastRateLimitsFrom } from '../emulator/okta/rate-limits.ts';
import { SANDBOX_OPERATOR_CLIENT_ID } from '../emulator/okta/oidc-clients.ts';
import { sandboxScimAppsPort } from '../targets/sandbox-address.ts';
import { encryptionKeysFrom, type EncryptionKey } from '../payload-encryption/keys.ts';
import { logFormatFrom, type LogFormat } from '../logging/log-format.ts';
import { TEMPORAL_TLS_VARIABLES, temporalTlsFrom, type TemporalTls } from './temporal-tls.ts';

/** The project root, so that commands behave the same from any working directory. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TenureConfig {
  /** Set when Tenure should use an existing Temporal cluster instead of starting the dev server. */
  temporalAddress: string | undefined;
  /** TEMPORAL_TLS_*: TLS (mTLS with a client certificate) to the cluster at temporalAddress; unset, plain gRPC. */
  temporalTls: TemporalTls | undefined;
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
  /** A real Okta org and Tenure's credentials for it; unset, Tenure runs the emulator. */
  okta: OktaConnection | undefined;
  /** Without a real org: a service app the emulator registers, and Tenure calls it as, instead of its SSWS token. */
  oktaEmulatorServiceApp: OktaServiceApp | undefined;
  oktaEmulatorPort: number;
  oktaEmulatorToken: string;
  /** TENURE_OKTA_EMULATOR_RATE_LIMITS=fast: the emulator allows 100 times Okta's limits, for benchmarks. */
  oktaEmulatorFastRateLimits: boolean;
  /**
   * With the emulator: wire its app "Tenure" to the SCIM integration `okta`, so that assigning
   * someone there provisions them into Tenure. Tests and benchmarks that do not need it leave it
   * off: it opens the SCIM directory at start.
   */
  sandboxScim: boolean;
  /** Without a real org: where the emulated SCIM applications (targets with `sandbox:`) listen; 0 for a free port. */
  scimAppsPort: number;
  smtpUrl: string | undefined;
  mailSmtpPort: number;
  mailHttpPort: number;
  mailFrom: string;
  policiesDir: string;
  templatesDir: string;
  logLevel: LogLevel;
  /** TENURE_LOG_FORMAT: json or text; unset, the process's role chooses (src/logging/log-format.ts). */
  logFormat: LogFormat | undefined;
  /** When deprovisionings are a mass change, held until an administrator decides. */
  guard: GuardLimits;
  /**
   * TENURE_GUARD_APPROVERS (Okta logins) and TENURE_GUARD_APPROVER_GROUPS (Okta group names), comma
   * separated: who may release or drop a held mass change. Both empty, anyone Tenure authenticated may.
   */
  guardApprovers: Approvers;
  /** Who hears of held mass changes. */
  adminEmail: string;
  /** An HR export Tenure imports on a schedule; unset, only `tenure hr import` imports. */
  hrExportPath: string | undefined;
  hrExportIntervalMs: number;
  /** A JSON file mapping the export's column names to record attributes; unset, columns are attribute names. */
  hrColumnsFile: string | undefined;
  /** The value Okta sends in the event hook's Authorization header; unset, /hooks/okta is not served. */
  oktaHookSecret: string | undefined;
  /** The Okta event types /hooks/okta acts on; others are acknowledged and ignored. */
  oktaHookEventTypes: string[];
  /** Full passes over the Okta users in scope; undefined when off. */
  oktaReconcileIntervalMs: number | undefined;
  /** System Log polls between full passes; undefined when off. */
  oktaLogPollIntervalMs: number | undefined;
  /** The Okta group (name or id) whose members are in scope; unset, every user is. */
  oktaScopeGroup: string | undefined;
  /** TENURE_DATABASE_URL: the PostgreSQL server that holds the SCIM directory; unset, it is embedded under dataDir. */
  databaseUrl: string | undefined;
  /** TENURE_ENCRYPTION_KEYS: payloads Tenure hands to Temporal are encrypted with the first; unset, they are not (the sandbox). */
  encryptionKeys: EncryptionKey[] | undefined;
  /** TENURE_CODEC_TOKEN: the bearer token of the intake's codec endpoint (/codec); unset, it is not served. */
  codecToken: string | undefined;
  /** TENURE_CODEC_CORS_ORIGINS: the Temporal UIs whose pages may call the codec endpoint. */
  codecCorsOrigins: string[];
  /**
   * TENURE_CODEC_READERS (Okta logins) and TENURE_CODEC_READER_GROUPS (the access token's `groups`
   * claim), comma separated: operators signed in to the Temporal UI with Okta whose access token
   * the codec endpoint takes. Both empty, only the codec token decodes.
   */
  codecReaders: Approvers;
  /** TENURE_CODEC_OIDC_AUDIENCE: the audience of those access tokens (Okta's `default` server: api://default). */
  codecOidcAudience: string;
  /** TENURE_WORKER_HTTP_PORT: a role `worker` process serves /healthz, /readyz and /metrics here. */
  workerHttpPort: number;
  /** TENURE_WORKER_HTTP_HOST: loopback by default; metrics describe the org's activity. */
  workerHttpHost: string;
  /** TENURE_WORKER_METRICS_ADDRESS: host:port of the Temporal SDK's own Prometheus metrics in a role `worker` process; `off`, none. */
  workerMetricsAddress: string | undefined;
  /** TENURE_OIDC_ISSUER: the OIDC issuer operators sign in with to decide; unset in the sandbox, the emulator's `default` server. */
  oidcIssuer: string | undefined;
  /** TENURE_OIDC_CLIENT_ID: the native app operators sign in through; `tenure-operators` in the sandbox. */
  oidcClientId: string | undefined;
}

/**
 * How Tenure calls the sandbox's Okta emulator at `orgUrl`: as the service app it registers there
 * when one is configured, else with the emulator's token.
 */
export function emulatorConnection(config: Pick<TenureConfig, 'oktaEmulatorServiceApp' | 'oktaEmulatorToken'>, orgUrl: string): OktaConnection {
  const serviceApp = config.oktaEmulatorServiceApp;
  return serviceApp ? { orgUrl, serviceApp } : { orgUrl, token: config.oktaEmulatorToken };
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
/** The sandbox's event hook secret; a real org needs its own in OKTA_EVENT_HOOK_SECRET. */
const SANDBOX_HOOK_SECRET = 'tenure-sandbox-hook-secret';
/** The emulator's published SSWS token; never a real org's. */
const SANDBOX_EMULATOR_TOKEN = 'tenure-sandbox-token';
/** HMAC keys shorter than the SHA-256 output are guessable sooner than the hash is broken. */
const MIN_SECRET_BYTES = 32;


/**
 * The org's base URL, as the Okta SDK wants it (an origin, no path). Refused with the fix when it
 * is not one, is the admin console's address, or is plain http off this machine: an SSWS token
 * sent in clear text is a stolen token.
 */
export function oktaOrgUrlFrom(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not quoted: a value that does not parse may be a secret pasted into the wrong variable.
    throw new Error('OKTA_ORG_URL is not a URL: set it to your org\'s address, such as https://acme.okta.com');
  }
  // Errors quote the address without any user or password written into it.
  const shown = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  // Plain http stays on the machine only on loopback: the emulator, or a test double, not a real org.
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new Error(`OKTA_ORG_URL must use https:// ("${shown}"): Okta orgs are served over HTTPS; plain http is allowed only on 127.0.0.1, localhost or [::1] (the emulator)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`OKTA_ORG_URL must use https:// ("${shown}"): set it to your org's address, such as https://acme.okta.com`);
  }
  if (/-admin\./.test(url.hostname)) {
    throw new Error(`OKTA_ORG_URL is the Admin Console's address ("${shown}"): use the org's own, without "-admin" (https://${url.hostname.replace('-admin.', '.')})`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new Error(`OKTA_ORG_URL must be the org's address alone, without a user, path or query ("${shown}"): use ${url.origin}`);
  }
  return url.origin;
}

export const DEFAULT_OKTA_HOOK_EVENT_TYPES = ['user.lifecycle.deactivate', 'user.lifecycle.delete.initiated'];

function durationFrom(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const raw = env[name] || fallback;
  const ms = durationMs(raw);
  if (ms === undefined || ms === 0) throw new Error(`${name} must be a duration such as 30s, 5m, 1h or 7d, got "${raw}"`);
  return ms;
}

/** A schedule's interval, or undefined when it is `off`. */
function intervalFrom(env: NodeJS.ProcessEnv, name: string, fallback: string): number | undefined {
  return env[name] === 'off' ? undefined : durationFrom(env, name, fallback);
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, check: (value: number) => boolean, what: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!check(value)) throw new Error(`${name} must be ${what}, got "${raw}"`);
  return value;
}

function oktaHookEventTypesFrom(env: NodeJS.ProcessEnv): string[] {
  if (!env.TENURE_OKTA_HOOK_EVENTS) return DEFAULT_OKTA_HOOK_EVENT_TYPES;
  const types = env.TENURE_OKTA_HOOK_EVENTS.split(/[\s,]+/).filter(Boolean);
  try {
    checkOktaEventTypes(types);
  } catch (error) {
    throw new Error(`TENURE_OKTA_HOOK_EVENTS: ${(error as Error).message}`);
  }
  return types;
}

function guardFrom(env: NodeJS.ProcessEnv): GuardLimits {
  return {
    maxCount: numberFrom(env, 'TENURE_GUARD_MAX_COUNT', 25, (value) => Number.isInteger(value) && value >= 0, 'a whole number'),
    maxShare: numberFrom(env, 'TENURE_GUARD_MAX_SHARE', 0.1, (value) => value >= 0 && value <= 1, 'a share between 0 and 1 (0.1 is 10%)'),
    windowMs: durationFrom(env, 'TENURE_GUARD_WINDOW', '1h'),
  };
}

/** A comma-separated list; commas only, since an Okta group's name may hold spaces. */
function listFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
}

const SERVICE_APP_VARIABLES = ['OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY', 'OKTA_KEY_ID', 'OKTA_SCOPES'] as const;

/**
 * The OAuth service app the environment describes, if it describes one. Errors name the
 * variables, never their values: the key is a secret.
 */
function serviceAppFrom(env: NodeJS.ProcessEnv): OktaServiceApp | undefined {
  if (!SERVICE_APP_VARIABLES.some((name) => env[name])) return undefined;
  const missing = (['OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY', 'OKTA_SCOPES'] as const).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`OAuth for Okta is half configured: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set (a service app needs OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_SCOPES and the key's OKTA_KEY_ID)`);
  }
  // A PEM key in an environment file is often written on one line, its newlines as `\n`.
  const privateKey = (env.OKTA_PRIVATE_KEY as string).replaceAll('\\n', '\n');
  let kid: string | undefined;
  try {
    ({ kid } = readPrivateKey(privateKey));
  } catch (error) {
    throw new Error(`OKTA_PRIVATE_KEY cannot be used: ${(error as Error).message}`);
  }
  const keyId = env.OKTA_KEY_ID || kid;
  if (!keyId) throw new Error('OKTA_KEY_ID is not set and OKTA_PRIVATE_KEY has no "kid": Okta refuses a client assertion that names no key');
  const scopes = (env.OKTA_SCOPES as string).split(/[\s,]+/).filter(Boolean);
  if (scopes.length === 0) throw new Error('OKTA_SCOPES names no scope: give the Okta API scopes to ask for, e.g. "okta.users.manage okta.groups.manage"');
  return { clientId: env.OKTA_CLIENT_ID as string, privateKey, keyId, scopes };
}

/** A real org takes exactly one kind of credential. */
function oktaConnectionFrom(orgUrl: string, token: string | undefined, serviceApp: OktaServiceApp | undefined): OktaConnection {
  if (token && serviceApp) {
    throw new Error('OKTA_API_TOKEN and an OAuth service app (OKTA_CLIENT_ID …) are both set: give Tenure one credential for OKTA_ORG_URL');
  }
  if (serviceApp) return { orgUrl, serviceApp };
  if (token) {
    if (token === SANDBOX_EMULATOR_TOKEN) throw new Error("OKTA_API_TOKEN is the sandbox emulator's token: create an API token in your Okta org (Security > API > Tokens) and set it");
    return { orgUrl, token };
  }
  throw new Error(
    'OKTA_ORG_URL is set but no credential for it: set OKTA_API_TOKEN (an SSWS token), or OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_KEY_ID and OKTA_SCOPES (an OAuth service app)',
  );
}

/**
 * A secret an attacker must not guess: not the sandbox's published one, and at least 32 bytes.
 * Errors name the variable, never the value.
 */
function checkSecret(env: NodeJS.ProcessEnv, name: string, sandboxValue: string): void {
  const value = env[name];
  if (value === undefined) return;
  const fix = 'generate one with `openssl rand -hex 32` and give the same value to the sender';
  if (value === sandboxValue) throw new Error(`${name} is the sandbox's published secret, refused with a real Okta org: ${fix}`);
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES) throw new Error(`${name} is shorter than ${MIN_SECRET_BYTES} bytes: ${fix}`);
}

/** Where the sandbox's Temporal UI is served; the codec endpoint answers its pages by default. */
const SANDBOX_UI_ORIGIN = 'http://localhost:8233';

/**
 * The codec endpoint decrypts every payload for whoever holds its token, so it is served only with
 * a token worth the name, and only when there is something to decrypt. Errors never quote the token.
 */
function codecTokenFrom(env: NodeJS.ProcessEnv, keys: EncryptionKey[] | undefined): string | undefined {
  const token = env.TENURE_CODEC_TOKEN || undefined;
  if (token === undefined) return undefined;
  if (!keys) throw new Error('TENURE_CODEC_TOKEN is set but TENURE_ENCRYPTION_KEYS is not: the codec endpoint has nothing to decrypt without keys; set both, or neither');
  if (Buffer.byteLength(token) < MIN_SECRET_BYTES) throw new Error(`TENURE_CODEC_TOKEN is shorter than ${MIN_SECRET_BYTES} bytes: generate one with \`openssl rand -hex 32\``);
  return token;
}

/** Origins as the browser sends them (scheme://host[:port]), so that a comparison finds them. */
function corsOriginsFrom(env: NodeJS.ProcessEnv): string[] {
  const raw = env.TENURE_CODEC_CORS_ORIGINS;
  if (raw === undefined || raw.trim() === '') return [SANDBOX_UI_ORIGIN];
  return raw.split(/[\s,]+/).filter(Boolean).map((given) => {
    let url: URL | undefined;
    try {
      url = new URL(given);
    } catch {
      // Reported below.
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== given.replace(/\/$/, '')) {
      throw new Error(`TENURE_CODEC_CORS_ORIGINS: "${given}" is not an origin: give the Temporal UI's address as scheme://host[:port], e.g. https://temporal.example.com`);
    }
    return url.origin;
  });
}

/** A listening address as the SDK's exporter takes it: host:port, the port a number. */
function metricsAddressFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.TENURE_WORKER_METRICS_ADDRESS || '127.0.0.1:9465';
  if (raw === 'off') return undefined;
  const match = /^(.+):(\d{1,5})$/.exec(raw);
  if (!match || Number(match[2]) > 65535) throw new Error(`TENURE_WORKER_METRICS_ADDRESS must be host:port (such as 127.0.0.1:9465) or off, got "${raw}"`);
  return raw;
}

/**
 * The issuer's URL without a trailing slash, as ID tokens name it in `iss`. Plain http only on
 * this machine: tokens and the keys that check them must not cross a network in clear text.
 */
function oidcIssuerFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.TENURE_OIDC_ISSUER?.trim();
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // Reported below.
  }
  const example = 'such as https://acme.okta.com/oauth2/default';
  if (!url || url.search || url.hash || url.username || url.password) throw new Error(`TENURE_OIDC_ISSUER must be the issuer's URL alone, ${example}`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new Error(`TENURE_OIDC_ISSUER must use https:// (${example}); plain http is allowed only on 127.0.0.1, localhost or [::1]`);
  }
  return url.href.replace(/\/$/, '');
}

/** The variables that say "act on a real org"; beside an empty OKTA_ORG_URL they are a mistake, not sandbox mode. */
const OKTA_CREDENTIAL_VARIABLES = ['OKTA_API_TOKEN', ...SERVICE_APP_VARIABLES] as const;

/** Where a real org's Temporal history and state live by default: never the sandbox's `.data`. */
export function defaultDataDir(orgUrl: string | undefined): string {
  if (!orgUrl) return path.join(projectRoot, '.data');
  return path.join(projectRoot, `.data-${new URL(orgUrl).host.replaceAll(':', '-')}`);
}

/** TLS is for a cluster Tenure is pointed at: the dev server it starts itself speaks plain gRPC on loopback. */
function temporalTlsOf(env: NodeJS.ProcessEnv): TemporalTls | undefined {
  const set = TEMPORAL_TLS_VARIABLES.find((name) => env[name]);
  if (set && !env.TEMPORAL_ADDRESS) throw new Error(`${set} is set but TEMPORAL_ADDRESS is not: TLS is for a Temporal cluster you name; the dev server Tenure starts speaks plain gRPC on loopback`);
  return temporalTlsFrom(env);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TenureConfig {
  const rawOrgUrl = env.OKTA_ORG_URL;
  if (rawOrgUrl !== undefined && rawOrgUrl.trim() === '') {
    const credential = OKTA_CREDENTIAL_VARIABLES.find((name) => env[name]);
    if (credential) {
      throw new Error(`OKTA_ORG_URL is empty but ${credential} is set: set OKTA_ORG_URL to your org (https://<your-org>.okta.com), or unset both for sandbox mode`);
    }
  }
  const orgUrl = rawOrgUrl?.trim() ? oktaOrgUrlFrom(rawOrgUrl.trim()) : undefined;
  const serviceApp = serviceAppFrom(env);
  const okta = orgUrl ? oktaConnectionFrom(orgUrl, env.OKTA_API_TOKEN, serviceApp) : undefined;
  if (orgUrl && !env.HR_WEBHOOK_SECRET) {
    throw new Error('OKTA_ORG_URL is set but HR_WEBHOOK_SECRET is not: a real Okta org must not take HR events signed with the sandbox secret; generate one with `openssl rand -hex 32`');
  }
  const encryptionKeys = encryptionKeysFrom(env.TENURE_ENCRYPTION_KEYS);
  if (orgUrl) {
    checkSecret(env, 'HR_WEBHOOK_SECRET', SANDBOX_WEBHOOK_SECRET);
    checkSecret(env, 'OKTA_EVENT_HOOK_SECRET', SANDBOX_HOOK_SECRET);
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalTls: temporalTlsOf(env),
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TENURE_TASK_QUEUE || 'tenure',
    temporalPort: intFrom(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort: intFrom(env, 'TEMPORAL_UI_PORT', 8233),
    dataDir: path.resolve(env.TENURE_DATA_DIR || defaultDataDir(orgUrl)),
    toolsDir: path.resolve(env.TENURE_TOOLS_DIR || path.join(projectRoot, '.tools')),
    intakePort: intFrom(env, 'TENURE_INTAKE_PORT', 8080),
    intakeHost: env.TENURE_INTAKE_HOST || '127.0.0.1',
    hrWebhookSecret: env.HR_WEBHOOK_SECRET || SANDBOX_WEBHOOK_SECRET,
    okta,
    oktaEmulatorServiceApp: okta ? undefined : serviceApp,
    oktaEmulatorPort: intFrom(env, 'OKTA_EMULATOR_PORT', 8090),
    oktaEmulatorToken: env.OKTA_EMULATOR_TOKEN || SANDBOX_EMULATOR_TOKEN,
    oktaEmulatorFastRateLimits: fastRateLimitsFrom(env.TENURE_OKTA_EMULATOR_RATE_LIMITS),
    sandboxScim: true,
    scimAppsPort: sandboxScimAppsPort(env),
    smtpUrl: env.SMTP_URL || undefined,
    mailSmtpPort: intFrom(env, 'MAIL_SMTP_PORT', 2525),
    mailHttpPort: intFrom(env, 'MAIL_HTTP_PORT', 8025),
    mailFrom: env.MAIL_FROM || 'Tenure <tenure@localhost>',
    policiesDir: path.resolve(env.TENURE_POLICIES_DIR || path.join(projectRoot, 'policies')),
    templatesDir: path.resolve(env.TENURE_TEMPLATES_DIR || path.join(projectRoot, 'templates')),
    logLevel: logLevelFrom(env.TENURE_LOG_LEVEL),
    logFormat: logFormatFrom(env.TENURE_LOG_FORMAT),
    guard: guardFrom(env),
    guardApprovers: { people: listFrom(env, 'TENURE_GUARD_APPROVERS'), groups: listFrom(env, 'TENURE_GUARD_APPROVER_GROUPS') },
    codecReaders: { people: listFrom(env, 'TENURE_CODEC_READERS'), groups: listFrom(env, 'TENURE_CODEC_READER_GROUPS') },
    codecOidcAudience: env.TENURE_CODEC_OIDC_AUDIENCE || 'api://default',
    adminEmail: env.TENURE_ADMIN_EMAIL || 'it-security@example.com',
    hrExportPath: env.TENURE_HR_EXPORT_PATH ? path.resolve(env.TENURE_HR_EXPORT_PATH) : undefined,
    hrExportIntervalMs: durationFrom(env, 'TENURE_HR_EXPORT_INTERVAL', '1d'),
    hrColumnsFile: env.TENURE_HR_COLUMNS ? path.resolve(env.TENURE_HR_COLUMNS) : undefined,
    oktaHookSecret: env.OKTA_EVENT_HOOK_SECRET || (orgUrl ? undefined : SANDBOX_HOOK_SECRET),
    oktaHookEventTypes: oktaHookEventTypesFrom(env),
    oktaReconcileIntervalMs: intervalFrom(env, 'TENURE_OKTA_RECONCILE_INTERVAL', '1h'),
    oktaLogPollIntervalMs: intervalFrom(env, 'TENURE_OKTA_LOG_POLL_INTERVAL', '1m'),
    oktaScopeGroup: env.TENURE_OKTA_SCOPE_GROUP || undefined,
    databaseUrl: env.TENURE_DATABASE_URL || undefined,
    encryptionKeys,
    codecToken: codecTokenFrom(env, encryptionKeys),
    codecCorsOrigins: corsOriginsFrom(env),
    workerHttpPort: intFrom(env, 'TENURE_WORKER_HTTP_PORT', 9464),
    workerHttpHost: env.TENURE_WORKER_HTTP_HOST || '127.0.0.1',
    workerMetricsAddress: metricsAddressFrom(env),
    oidcIssuer: oidcIssuerFrom(env),
    oidcClientId: env.TENURE_OIDC_CLIENT_ID || (orgUrl ? undefined : SANDBOX_OPERATOR_CLIENT_ID),
  };
}
