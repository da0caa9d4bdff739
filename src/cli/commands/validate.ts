import { loadPolicySet } from '../../policy/loader.ts';
import { formatProblem, PolicyValidationError } from '../../policy/problems.ts';

export async function validateCommand(options: { policiesDir: string; templatesDir: string }): Promise<void> {
  try {
    const policySet = await loadPolicySet(options.policiesDir, options.templatesDir);
    console.log(`${policySet.policies.length} policies and ${policySet.templates.size} templates are valid (hash ${policySet.hash}).`);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    for (const problem of error.problems) console.error(formatProblem(problem));
    console.error(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}.`);
    process.exitCode = 1;
  }
}
