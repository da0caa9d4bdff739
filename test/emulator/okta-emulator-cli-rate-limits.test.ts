import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { FAST_RATE_LIMITS_NOTICE } from '../../src/emulator/okta/rate-limits.ts';
import { projectRoot } from '../../src/runtime/config.ts';

/** Runs `tenure okta-emulator` until it is ready; answers what it printed and the logs endpoint's limit. */
async function startCli(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['bin/tenure.mjs', 'okta-emulator', '--port', '0', '--token', 'cli-token'], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const printed: string[] = [];
    for await (const line of createInterface({ input: child.stdout! })) {
      printed.push(line);
      if (line.startsWith('Ctrl-C')) break;
    }
    const url = /listening on (\S+) /.exec(printed.join('\n'))?.[1];
    const response = await fetch(`${url}/api/v1/logs`, { headers: { authorization: 'SSWS cli-token' } });
    return { printed, logsLimit: response.headers.get('x-rate-limit-limit') };
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
  }
}

describe('tenure okta-emulator', () => {
  it("enforces Okta's limits by default, and says nothing of rate limits", async () => {
    const { printed, logsLimit } = await startCli({ TENURE_OKTA_EMULATOR_RATE_LIMITS: undefined });
    expect(logsLimit).toBe('120');
    expect(printed.filter((line) => /rate limit/i.test(line))).toEqual([]);
  });

  it('with TENURE_OKTA_EMULATOR_RATE_LIMITS=fast allows a hundred times as much, and says so in one line', async () => {
    const { printed, logsLimit } = await startCli({ TENURE_OKTA_EMULATOR_RATE_LIMITS: 'fast' });
    expect(logsLimit).toBe('12000');
    expect(printed.filter((line) => /rate limit/i.test(line))).toEqual([FAST_RATE_LIMITS_NOTICE]);
  });
});
