import path from 'node:path';
import { PolicyValidationError } from '../../src/policy/problems.ts';

/**
 * The problems of a policy set that fails to load, each as `file:line:column: message` with the
 * file's base name, as `tenure validate` prints them; the test fails if it loads or fails otherwise.
 */
export async function problemsOf(loading: Promise<unknown>): Promise<string[]> {
  const error = await loading.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof PolicyValidationError)) throw new Error(`expected problems, got ${String(error)}`);
  return error.problems.map(({ file, line, column, message }) => `${path.basename(file)}:${line}:${column}: ${message}`);
}
