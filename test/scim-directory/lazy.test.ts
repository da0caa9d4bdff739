import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { directoryMayHoldData, lazyScimDirectory } from '../../src/scim/directory/lazy.ts';
import { embeddedDirectoryPath, openScimDirectory } from '../../src/scim/directory/open.ts';
import type { ScimDirectory } from '../../src/scim/directory/types.ts';
import { pgliteEngine } from './engines.ts';

/** The intake opens the embedded directory on first use: nothing on disk, no lock, until someone calls. */

const engine = pgliteEngine();
const newDataDir = async () => (await engine.options()).dataDir;
afterAll(() => engine.cleanUp());

describe('the SCIM directory opened on first use', () => {
  it('touches nothing until the first call, then opens once (however many calls race), holding the lock until close', async () => {
    const dataDir = await newDataDir();
    const opened: ScimDirectory[] = [];
    const lazy = lazyScimDirectory({ dataDir }, (directory) => opened.push(directory));
    expect(existsSync(embeddedDirectoryPath(dataDir))).toBe(false);
    expect(await directoryMayHoldData({ dataDir })).toBe(false);
    // Another process (here: another open) may still take the directory: nothing holds it yet.
    const other = await openScimDirectory({ dataDir });
    await other.close();

    const [integrations] = await Promise.all([lazy.listIntegrations(), lazy.createIntegration('okta', 'not-a-real-hash'), lazy.getIntegration('okta')]);
    expect(Array.isArray(integrations)).toBe(true);
    expect(opened).toHaveLength(1);
    expect(await lazy.getIntegration('okta')).toMatchObject({ name: 'okta' });
    expect(await directoryMayHoldData({ dataDir })).toBe(true);
    // Open now, so the lock is held as an eagerly opened directory holds it.
    await expect(openScimDirectory({ dataDir })).rejects.toThrow(/lock|in use|another/i);

    await lazy.close();
    const after = await openScimDirectory({ dataDir });
    expect(await after.getIntegration('okta')).toMatchObject({ name: 'okta' });
    await after.close();
  });

  it('a failed open is tried again by the next call', async () => {
    const dataDir = await newDataDir();
    const holder = await openScimDirectory({ dataDir });
    const lazy = lazyScimDirectory({ dataDir });
    await expect(lazy.listIntegrations()).rejects.toThrow();
    await holder.close();
    expect(await lazy.listIntegrations()).toEqual([]);
    await lazy.close();
  });

  it('closing one never opened opens nothing, and a call after close opens nothing either', async () => {
    const dataDir = await newDataDir();
    const lazy = lazyScimDirectory({ dataDir });
    await lazy.close();
    // A SCIM request that arrives while Tenure stops.
    await expect(lazy.listIntegrations()).rejects.toThrow(/closed/);
    expect(existsSync(embeddedDirectoryPath(dataDir))).toBe(false);
  });

  it('a PostgreSQL server may always hold data (it cannot be known without connecting)', async () => {
    expect(await directoryMayHoldData({ dataDir: '/nonexistent/tenure-data', databaseUrl: 'postgres://tenure@127.0.0.1:1/none' })).toBe(true);
  });
});
