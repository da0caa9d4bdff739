import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/runtime/config.ts';
import { assertPortFree, freePort } from '../../src/runtime/ports.ts';
import { locateTemporalCli } from '../../src/runtime/temporal-cli.ts';

describe('configuration', () => {
  it('defaults to the sandbox: dev server, emulator and mail catcher', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ temporalAddress: undefined, okta: undefined, smtpUrl: undefined, temporalUiPort: 8233, intakePort: 8080 });
  });

  it('refuses a real Okta org without a token, or with the sandbox webhook secret', () => {
    expect(() => loadConfig({ OKTA_ORG_URL: 'https://acme.okta.com' })).toThrow(/OKTA_API_TOKEN/);
    expect(() => loadConfig({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 't' })).toThrow(/HR_WEBHOOK_SECRET/);
    expect(loadConfig({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 't', HR_WEBHOOK_SECRET: 's' }).okta).toEqual({ orgUrl: 'https://acme.okta.com', token: 't' });
  });

  it('names a bad port or log level', () => {
    expect(() => loadConfig({ TENURE_INTAKE_PORT: 'eighty' })).toThrow('TENURE_INTAKE_PORT must be a port number (0-65535), got "eighty"');
    expect(() => loadConfig({ TENURE_LOG_LEVEL: 'loud' })).toThrow(/TENURE_LOG_LEVEL must be one of/);
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
