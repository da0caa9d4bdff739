import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config.ts';
import { claimDataDir } from '../../src/runtime/data-dir.ts';
import { assertPortFree, freePort } from '../../src/runtime/ports.ts';
import { locateTemporalCli } from '../../src/runtime/temporal-cli.ts';

/** A real org configured as the README says: every secret its own and long enough. */
const realOrg = {
  OKTA_ORG_URL: 'https://acme.okta.com',
  OKTA_API_TOKEN: '00abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN',
  HR_WEBHOOK_SECRET: 'hr-secret-0123456789abcdef0123456789',
  OKTA_EVENT_HOOK_SECRET: 'hook-secret-0123456789abcdef0123456789',
};

describe('configuration', () => {
  it('defaults to the sandbox: dev server, emulator and mail catcher', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ temporalAddress: undefined, okta: undefined, smtpUrl: undefined, temporalUiPort: 8233, intakePort: 8080 });
  });

  it('refuses a real Okta org without a token, or with the sandbox webhook secret', () => {
    expect(() => loadConfig({ OKTA_ORG_URL: 'https://acme.okta.com' })).toThrow(/OKTA_API_TOKEN/);
    expect(() => loadConfig({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 't' })).toThrow(/HR_WEBHOOK_SECRET/);
    expect(loadConfig({ ...realOrg }).okta).toEqual({ orgUrl: 'https://acme.okta.com', token: realOrg.OKTA_API_TOKEN });
  });

  it('names a bad port or log level', () => {
    expect(() => loadConfig({ TENURE_INTAKE_PORT: 'eighty' })).toThrow('TENURE_INTAKE_PORT must be a port number (0-65535), got "eighty"');
    expect(() => loadConfig({ TENURE_LOG_LEVEL: 'loud' })).toThrow(/TENURE_LOG_LEVEL must be one of/);
  });
});

describe('unsafe settings with a real Okta org', () => {
  /** The refusal for `env`, checked to be one line that names `variable` and shows no secret. */
  function refusal(env: Record<string, string>, variable: string): string {
    let message = '';
    try {
      loadConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message, `${JSON.stringify(Object.keys(env))} is refused`).not.toBe('');
    expect(message.split('\n')).toHaveLength(1);
    expect(message.startsWith(variable), message).toBe(true);
    for (const name of ['OKTA_API_TOKEN', 'HR_WEBHOOK_SECRET', 'OKTA_EVENT_HOOK_SECRET'] as const) {
      if (env[name]) expect(message).not.toContain(env[name]);
    }
    return message;
  }

  it('refuses the sandbox secrets and the emulator token, saying how to make real ones', () => {
    expect(refusal({ ...realOrg, HR_WEBHOOK_SECRET: 'tenure-sandbox-secret' }, 'HR_WEBHOOK_SECRET')).toMatch(/sandbox's published secret.*openssl rand -hex 32/);
    expect(refusal({ ...realOrg, OKTA_EVENT_HOOK_SECRET: 'tenure-sandbox-hook-secret' }, 'OKTA_EVENT_HOOK_SECRET')).toMatch(/sandbox's published secret.*openssl rand -hex 32/);
    expect(refusal({ ...realOrg, OKTA_API_TOKEN: 'tenure-sandbox-token' }, 'OKTA_API_TOKEN')).toMatch(/sandbox emulator's token: create an API token in your Okta org/);
  });

  it('refuses secrets shorter than 32 bytes, but not a 42-character Okta token', () => {
    expect(refusal({ ...realOrg, HR_WEBHOOK_SECRET: 'x'.repeat(31) }, 'HR_WEBHOOK_SECRET')).toMatch(/shorter than 32 bytes: generate one with `openssl rand -hex 32`/);
    expect(refusal({ ...realOrg, OKTA_EVENT_HOOK_SECRET: 'k9Zq2' }, 'OKTA_EVENT_HOOK_SECRET')).toMatch(/shorter than 32 bytes/);
    expect(loadConfig({ ...realOrg, HR_WEBHOOK_SECRET: 'x'.repeat(32) }).hrWebhookSecret).toHaveLength(32);
    expect(realOrg.OKTA_API_TOKEN).toHaveLength(42);
  });

  it('refuses an OKTA_ORG_URL that is no URL, plain http off this machine, the Admin Console, or has a path', () => {
    expect(refusal({ ...realOrg, OKTA_ORG_URL: 'acme.okta.com' }, 'OKTA_ORG_URL')).toMatch(/is not a URL: set it to your org's address, such as https:\/\/acme.okta.com/);
    expect(refusal({ ...realOrg, OKTA_ORG_URL: 'http://acme.okta.com' }, 'OKTA_ORG_URL')).toMatch(/must use https:\/\/.*plain http is allowed only on 127.0.0.1, localhost or \[::1\]/);
    expect(refusal({ ...realOrg, OKTA_ORG_URL: 'ftp://acme.okta.com' }, 'OKTA_ORG_URL')).toMatch(/must use https:\/\//);
    expect(refusal({ ...realOrg, OKTA_ORG_URL: 'https://acme-admin.okta.com' }, 'OKTA_ORG_URL')).toMatch(/Admin Console's address.*https:\/\/acme.okta.com/);
    expect(refusal({ ...realOrg, OKTA_ORG_URL: 'https://acme.okta.com/api/v1' }, 'OKTA_ORG_URL')).toMatch(/without a user, path or query .*: use https:\/\/acme.okta.com$/);
  });

  it('never quotes a password written into OKTA_ORG_URL', () => {
    for (const orgUrl of ['https://admin:00abcSECRET@acme.okta.com', 'http://admin:00abcSECRET@acme.okta.com', 'https://admin:00abcSECRET@acme-admin.okta.com', 'ftp://admin:00abcSECRET@acme.okta.com']) {
      const message = refusal({ ...realOrg, OKTA_ORG_URL: orgUrl }, 'OKTA_ORG_URL');
      expect(message).not.toContain('SECRET');
      expect(message).not.toContain('admin:');
    }
  });

  it('takes plain http on loopback (the emulator), and a trailing slash', () => {
    for (const orgUrl of ['http://127.0.0.1:8090', 'http://localhost:8090', 'http://[::1]:8090']) {
      expect(loadConfig({ ...realOrg, OKTA_ORG_URL: orgUrl }).okta?.orgUrl).toBe(orgUrl);
    }
    expect(loadConfig({ ...realOrg, OKTA_ORG_URL: 'https://acme.okta.com/' }).okta?.orgUrl).toBe('https://acme.okta.com');
  });

  it('refuses an empty OKTA_ORG_URL beside credentials, rather than running the sandbox', () => {
    expect(refusal({ OKTA_ORG_URL: '', OKTA_API_TOKEN: realOrg.OKTA_API_TOKEN }, 'OKTA_ORG_URL')).toMatch(/empty but OKTA_API_TOKEN is set: set OKTA_ORG_URL to your org/);
    expect(refusal({ OKTA_ORG_URL: ' ', OKTA_CLIENT_ID: '0oa1' }, 'OKTA_ORG_URL')).toMatch(/empty but OKTA_CLIENT_ID is set/);
    expect(loadConfig({ OKTA_ORG_URL: '' }).okta).toBeUndefined();
  });

  it("keeps a real org's Temporal data out of the sandbox's folder by default", () => {
    const sandbox = loadConfig({}).dataDir;
    const org = loadConfig(realOrg).dataDir;
    expect(path.basename(sandbox)).toBe('.data');
    expect(path.basename(org)).toBe('.data-acme.okta.com');
    expect(path.dirname(org)).toBe(path.dirname(sandbox));
    expect(loadConfig({ ...realOrg, TENURE_DATA_DIR: '/srv/tenure' }).dataDir).toBe('/srv/tenure');
  });
});

describe('the data folder', () => {
  const fresh = () => mkdtemp(path.join(tmpdir(), 'tenure-data-'));

  it('is stamped with its org, and refused to another org', async () => {
    const dir = await fresh();
    await claimDataDir(dir, 'https://acme.okta.com');
    expect(await readFile(path.join(dir, 'okta-org'), 'utf8')).toBe('https://acme.okta.com\n');
    await expect(claimDataDir(dir, 'https://acme.okta.com')).resolves.toBeUndefined();
    await expect(claimDataDir(dir, 'https://other.okta.com')).rejects.toThrow(
      `TENURE_DATA_DIR ${dir} holds the Okta org https://acme.okta.com's Temporal history, not https://other.okta.com's: set TENURE_DATA_DIR to another folder`,
    );
    await expect(claimDataDir(dir, 'sandbox')).rejects.toThrow(/holds the Okta org https:\/\/acme.okta.com's Temporal history, not the sandbox's/);
  });

  it("refuses the sandbox's folder to a real org, stamped or from before the stamp", async () => {
    const stamped = await fresh();
    await claimDataDir(stamped, 'sandbox');
    await expect(claimDataDir(stamped, 'https://acme.okta.com')).rejects.toThrow(/holds the sandbox's Temporal history, not https:\/\/acme.okta.com's/);
    const older = await fresh();
    await writeFile(path.join(older, 'temporal.sqlite'), '');
    await writeFile(path.join(older, 'okta-emulator.json'), '{}');
    await expect(claimDataDir(older, 'https://acme.okta.com')).rejects.toThrow(/holds the sandbox's Temporal history/);
    await expect(claimDataDir(older, 'sandbox')).resolves.toBeUndefined();
  });

  it("lets a real org claim its own history from before the stamp (no emulator's org beside it)", async () => {
    const upgraded = await fresh();
    await writeFile(path.join(upgraded, 'temporal.sqlite'), '');
    await expect(claimDataDir(upgraded, 'https://acme.okta.com')).resolves.toBeUndefined();
    expect(await readFile(path.join(upgraded, 'okta-org'), 'utf8')).toBe('https://acme.okta.com\n');
    await expect(claimDataDir(upgraded, 'sandbox')).rejects.toThrow(/holds the Okta org https:\/\/acme.okta.com's Temporal history/);
  });
});

describe('finding the Temporal CLI', () => {
  async function fakeCli(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'temporal');
    await writeFile(file, '#!/bin/sh\n');
    await chmod(file, 0o755);
    return file;
  }

  it('prefers TEMPORAL_CLI_PATH, then PATH, then the tools folder', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'tenure-cli-'));
    const explicit = await fakeCli(path.join(root, 'explicit'));
    const onPath = await fakeCli(path.join(root, 'path'));
    const tools = await fakeCli(path.join(root, 'tools', 'bin'));
    const toolsDir = path.join(root, 'tools');
    expect(await locateTemporalCli(toolsDir, { TEMPORAL_CLI_PATH: explicit, PATH: path.dirname(onPath) })).toBe(explicit);
    expect(await locateTemporalCli(toolsDir, { PATH: path.dirname(onPath) })).toBe(onPath);
    expect(await locateTemporalCli(toolsDir, { PATH: '' })).toBe(tools);
  });

  it('says how to install the CLI or Go when neither is there', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'tenure-cli-'));
    await expect(locateTemporalCli(empty, { PATH: empty })).rejects.toThrow(/The Temporal CLI was not found and Go is not installed[\s\S]*go install github.com\/temporalio\/cli\/cmd\/temporal@v1.5.1/);
    await expect(locateTemporalCli(empty, { TEMPORAL_CLI_PATH: path.join(empty, 'nope') })).rejects.toThrow(/TEMPORAL_CLI_PATH is set to .*nope, but no executable is there/);
  });
});

describe('port checks', () => {
  it('says which port is taken and what to do', async () => {
    const port = await freePort();
    await expect(assertPortFree(port, 'Temporal', 'Set TEMPORAL_PORT.')).resolves.toBeUndefined();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      await expect(assertPortFree(port, 'Temporal', 'Set TEMPORAL_PORT.')).rejects.toThrow(`port ${port} (Temporal) is already in use. Set TEMPORAL_PORT.`);
    } finally {
      holder.close();
    }
  });
});
