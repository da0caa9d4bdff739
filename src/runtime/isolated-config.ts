import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type TenureConfig } from './config.ts';
import { freePort } from './ports.ts';

/**
 * The embedded defaults, whatever the environment says, on free ports and a fresh data folder:
 * a test or a benchmark runs beside anything else on the machine and shares no state with it.
 */
export async function isolatedConfig(purpose: string, overrides: Partial<TenureConfig> = {}): Promise<TenureConfig> {
  return {
    ...loadConfig({}),
    temporalPort: await freePort(),
    intakePort: 0,
    oktaEmulatorPort: 0,
    mailSmtpPort: 0,
    mailHttpPort: 0,
    dataDir: await mkdtemp(path.join(tmpdir(), `tenure-${purpose}-`)),
    sandboxScim: false,
    scimAppsPort: 0,
    ...overrides,
  };
}
