import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * How `tenure scim …` reaches a running intake. The embedded directory is open in one process
 * only (PGlite), so while the intake holds it the CLI manages integrations through the intake's
 * admin route instead. The intake writes its address and a fresh random secret to this file in
 * the data folder (readable by its owner only) and removes it when it stops: whoever may read the
 * data folder may manage integrations, and nobody else.
 */

export interface AdminEndpoint {
  /** The intake's own address, e.g. http://127.0.0.1:8080. */
  url: string;
  secret: string;
}

export const adminFilePath = (dataDir: string) => path.join(dataDir, 'scim-admin.json');

export function newAdminSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function writeAdminFile(dataDir: string, endpoint: AdminEndpoint): Promise<void> {
  await writeFile(adminFilePath(dataDir), `${JSON.stringify(endpoint)}\n`, { mode: 0o600 });
}

export async function readAdminFile(dataDir: string): Promise<AdminEndpoint | undefined> {
  try {
    const parsed = JSON.parse(await readFile(adminFilePath(dataDir), 'utf8')) as Partial<AdminEndpoint>;
    return typeof parsed.url === 'string' && typeof parsed.secret === 'string' ? { url: parsed.url, secret: parsed.secret } : undefined;
  } catch {
    return undefined;
  }
}

export async function removeAdminFile(dataDir: string): Promise<void> {
  await rm(adminFilePath(dataDir), { force: true });
}
