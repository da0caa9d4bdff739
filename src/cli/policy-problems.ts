import { formatProblem, PolicyValidationError } from '../policy/problems.ts';

/** Runs `work`; policy problems are listed one per line (file:line:column) and fail the command. */
export async function reportValidationProblems(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    for (const problem of error.problems) console.error(formatProblem(problem));
    console.error(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}.`);
    process.exitCode = 1;
  }
}
