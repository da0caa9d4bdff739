import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import { assertPortFree, freePort } from '../../src/runtime/ports.ts';
import { locateTemporalCli } from '../../src/runtime/temporal-cli.ts';
import { eventually } from '../helpers/stack.ts';

/**
 * `tenure start` as a person runs it: the real CLI, on its own ports and data folder, stopped the
 * ways a process stops (SIGKILL, its output pipe closed), and started beside what an earlier run
 * left behind. What is asserted is what the person sees: the lines printed, and whether a
 * Temporal dev server still runs.
 */

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

type StartEnv = Record<string, string> & { TENURE_DATA_DIR: string; TEMPORAL_PORT: string };

async function isolatedEnv(extra: Record<string, string> = {}): Promise<StartEnv> {
  return {
    PATH: process.env.PATH ?? '',
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    TENURE_INTAKE_PORT: String(await freePort()),
    OKTA_EMULATOR_PORT: String(await freePort()),
    MAIL_SMTP_PORT: String(await freePort()),
    MAIL_HTTP_PORT: String(await freePort()),
    TENURE_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'tenure-start-')),
    ...extra,
  };
}

function tenureStart(env: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, ['bin/tenure.mjs', 'start', ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return child;
}

/** Everything a `tenure start` that is expected to refuse prints, and its exit code. */
async function refusedStart(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = tenureStart(env, args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/** Resolves with the lines printed up to "Tenure is running"; fails with them if the process ends first. */
async function running(child: ChildProcess): Promise<string[]> {
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (line.startsWith('Tenure is running')) return lines;
  }
  throw new Error(`tenure start ended (${child.exitCode ?? child.signalCode}) before it was running:\n${lines.join('\n')}\n${stderr}`);
}

/** The processes whose command line names `dataDir`: the dev server (its database) and its supervisor. */
async function processesOn(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dataDir)) pids.push(Number(entry));
  }
  return pids;
}

/** Nothing of that run is left: no process on its data folder, its Temporal port free. Polled, within a bound. */
async function nothingLeft(env: StartEnv): Promise<void> {
  await eventually(async () => {
    expect(await processesOn(env.TENURE_DATA_DIR)).toEqual([]);
    await assertPortFree(Number(env.TEMPORAL_PORT), 'Temporal', '');
  }, { within: 30_000 });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a stopped Tenure leaves nothing running', () => {
  beforeAll(async () => {
    await locateTemporalCli(path.join(projectRoot, '.tools'));
  });

  it('when `tenure start` is killed with SIGKILL, its Temporal dev server stops too', { timeout: 120_000 }, async () => {
    const env = await isolatedEnv();
    const child = tenureStart(env);
    await running(child);
    expect((await processesOn(env.TENURE_DATA_DIR)).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    await nothingLeft(env);
  });

  it('when its output pipe is closed (`npm start | head -1`), it stops cleanly, the dev server with it', { timeout: 120_000 }, async () => {
    const env = await isolatedEnv();
    const child = tenureStart(env);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const lines = createInterface({ input: child.stdout! });
    const [first] = await new Promise<string[]>((resolve) => lines.once('line', (line) => resolve([line])));
    expect(first).toMatch(/^SANDBOX MODE/);
    // As `head -1` does: read one line, then close the pipe.
    lines.close();
    child.stdout!.destroy();
    expect(await exited).toBe(0);
    await nothingLeft(env);
  });

  it('a second start finds a dev server an earlier run left, says so, and stops it when told to', { timeout: 120_000 }, async () => {
    const env = await isolatedEnv();
    const dbFile = path.join(env.TENURE_DATA_DIR, 'temporal.sqlite');
    // What a run whose supervisor was killed too would leave: a server and its pid file.
    const cli = await locateTemporalCli(path.join(projectRoot, '.tools'));
    const leftover = spawn(cli, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', env.TEMPORAL_PORT, '--db-filename', dbFile, '--log-level', 'error'], {
      stdio: 'ignore',
      detached: true,
    });
    started.push(leftover);
    await writeFile(path.join(env.TENURE_DATA_DIR, 'temporal-dev-server.json'), JSON.stringify({ pid: leftover.pid, port: Number(env.TEMPORAL_PORT), dbFile }));

    const refused = await refusedStart(env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `tenure: a Temporal dev server from an earlier Tenure run (pid ${leftover.pid}) still holds ${dbFile} and port ${env.TEMPORAL_PORT}: stop it with \`kill ${leftover.pid}\`, or run \`tenure start --stop-leftover\`\n`,
    );
    expect(alive(leftover.pid!)).toBe(true);

    const child = tenureStart(env, ['--stop-leftover']);
    const lines = await running(child);
    expect(lines[0]).toBe(`Stopping a Temporal dev server from an earlier Tenure run (pid ${leftover.pid}) still holds ${dbFile} and port ${env.TEMPORAL_PORT}…`);
    expect(alive(leftover.pid!)).toBe(false);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await nothingLeft(env);
  });
});

describe('unsafe settings are refused by `tenure start` in one line', () => {
  let emulator: OktaEmulator;
  const emulatorToken = '00emulatorTokenOfFortyTwoCharacters0123456';
  const hrSecret = 'hr-secret-0123456789abcdef0123456789';
  beforeAll(async () => {
    emulator = await startOktaEmulator({ token: emulatorToken });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  const realOrg = () => ({ OKTA_ORG_URL: emulator.url, OKTA_API_TOKEN: emulatorToken, HR_WEBHOOK_SECRET: hrSecret });

  it.each([
    ['a non-HTTPS org', { OKTA_ORG_URL: 'http://acme.okta.com' }, /^tenure: OKTA_ORG_URL must use https:\/\//],
    ['the sandbox HR secret', { HR_WEBHOOK_SECRET: 'tenure-sandbox-secret' }, /^tenure: HR_WEBHOOK_SECRET is the sandbox's published secret/],
    ['the sandbox hook secret', { OKTA_EVENT_HOOK_SECRET: 'tenure-sandbox-hook-secret' }, /^tenure: OKTA_EVENT_HOOK_SECRET is the sandbox's published secret/],
    ['the emulator token', { OKTA_API_TOKEN: 'tenure-sandbox-token' }, /^tenure: OKTA_API_TOKEN is the sandbox emulator's token/],
    ['a short secret', { HR_WEBHOOK_SECRET: 'k9Zq2x' }, /^tenure: HR_WEBHOOK_SECRET is shorter than 32 bytes/],
    ['an empty org URL beside a token', { OKTA_ORG_URL: '' }, /^tenure: OKTA_ORG_URL is empty but OKTA_API_TOKEN is set/],
    ['a credential Okta refuses', { OKTA_API_TOKEN: '00wrongTokenOfFortyTwoCharacters0123456789' }, /^tenure: Okta at http:\/\/127\.0\.0\.1:\d+ refuses Tenure's credential \(401 E0000011\): fix OKTA_API_TOKEN/],
  ])('%s', { timeout: 60_000 }, async (_what, change, expected) => {
    const env = await isolatedEnv({ ...realOrg(), ...change });
    const { code, stdout, stderr } = await refusedStart(env);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toMatch(expected);
    for (const secret of [env.OKTA_API_TOKEN, env.HR_WEBHOOK_SECRET]) if (secret) expect(stderr).not.toContain(secret);
    expect(await processesOn(env.TENURE_DATA_DIR)).toEqual([]);
  });

  it("a real org with the sandbox's data folder", { timeout: 60_000 }, async () => {
    const env = await isolatedEnv(realOrg());
    await writeFile(path.join(env.TENURE_DATA_DIR, 'okta-org'), 'sandbox\n');
    const { code, stderr } = await refusedStart(env);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `tenure: TENURE_DATA_DIR ${env.TENURE_DATA_DIR} holds the sandbox's Temporal history, not ${emulator.url}'s: set TENURE_DATA_DIR to another folder (or leave it unset for the default)\n`,
    );
  });
});
