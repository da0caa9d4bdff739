import type { TenureConfig } from '../src/runtime/config.ts';
import { isolatedConfig } from '../src/runtime/isolated-config.ts';
import { startTenure, type StackOptions } from '../src/runtime/stack.ts';

/**
 * The whole of Tenure for a benchmark: the embedded defaults on free ports whatever the
 * environment says, so a benchmark acts on the emulator only, its start announced on stderr.
 * The worker logs errors only: a benchmark's retried attempts would otherwise flood the output.
 */
export async function startBenchStack(name: string, overrides: Partial<TenureConfig>, options: Pick<StackOptions, 'oktaEmulator'> = {}) {
  const config = await isolatedConfig('bench', { logLevel: 'ERROR', ...overrides });
  process.stderr.write(`\n${name}: starting the Temporal dev server, the Okta emulator, the mail catcher, a worker and the intake…\n`);
  const stack = await startTenure(config, { headless: true, log: (line) => process.stderr.write(`${line}\n`), ...options });
  return { config, stack };
}
