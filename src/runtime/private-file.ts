import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';

/**
 * A state file that only its owner may read (an emulator's saved org or apps: personal data,
 * provisioning tokens), written so that a crash mid-write leaves the previous save whole, and read
 * back against the schema it was written with.
 */

/** Replaces the file in one step (a temporary file renamed over it), mode 0600 in a folder made 0700. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** writePrivateFile for the few that must exist before anything async runs (a key read while configuration loads). */
export function writePrivateFileSync(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The parser's complaint without the excerpt of the text V8 quotes in it (`Unexpected token 'o', "{ "token": o…" is not valid JSON`). */
function jsonProblem(error: Error): string {
  return error.message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '');
}

/**
 * The saved JSON at `path` as `schema` reads it, or undefined when there is no file yet. A file
 * that is not JSON or not of that shape is refused, `what` (e.g. "saved org") naming it: the
 * message gives the place and the schema's complaint only, never a value, which may be someone's
 * name or a token.
 */
export async function readSavedJson<Schema extends z.ZodType>(path: string, schema: Schema, what: string): Promise<z.output<Schema> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} ${path} is not JSON: ${jsonProblem(error as Error)}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new Error(`${what} ${path} is malformed at ${issue!.path.join('.') || 'the top level'}: ${issue!.message}`);
  }
  return parsed.data;
}
