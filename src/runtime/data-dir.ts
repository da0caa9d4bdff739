import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The file that names the Okta org a data folder's Temporal history and state belong to. */
export const ORG_MARKER_FILE = 'okta-org';

/** What the marker says for the bundled emulator. */
export const SANDBOX_ORG = 'sandbox';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Stamps `dataDir` with the org it serves, and refuses a folder stamped for another: workflows
 * recorded against the sandbox (their Okta user ids, their groups) must never be carried on
 * against a real org, nor a real org's against the emulator. A folder with no stamp predates
 * the stamp: the emulator's saved org marks it the sandbox's; otherwise the first org to start claims it.
 */
export async function claimDataDir(dataDir: string, org: string): Promise<void> {
  const marker = path.join(dataDir, ORG_MARKER_FILE);
  let owner: string | undefined;
  try {
    owner = (await readFile(marker, 'utf8')).trim();
  } catch {
    // Only the emulator's saved org proves a sandbox; a history alone may be a real org's from
    // before the stamp, which that org may claim (TENURE_DATA_DIR=.data after an upgrade).
    owner = (await exists(path.join(dataDir, 'okta-emulator.json'))) ? SANDBOX_ORG : undefined;
  }
  if (owner !== undefined && owner !== org) {
    const whose = owner === SANDBOX_ORG ? "the sandbox's" : `the Okta org ${owner}'s`;
    const wanted = org === SANDBOX_ORG ? 'the sandbox' : `${org}`;
    throw new Error(`TENURE_DATA_DIR ${dataDir} holds ${whose} Temporal history, not ${wanted}'s: set TENURE_DATA_DIR to another folder (or leave it unset for the default)`);
  }
  await mkdir(dataDir, { recursive: true });
  if (owner === undefined) await writeFile(marker, `${org}\n`);
}
