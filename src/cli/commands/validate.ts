import { parseArgs } from 'node:util';
import { loadConfig } from '../../runtime/config.ts';
import { loadPolicySet } from '../../policy/loader.ts';
import { formatProblem, PolicyValidationError } from '../../policy/problems.ts';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { policies: { type: 'string' }, templates: { type: 'string' } } });
  const config = loadConfig();
  try {
    const policySet = await loadPolicySet(values.policies ?? config.policiesDir, values.templates ?? config.templatesDir);
    console.log(`${policySet.policies.length} policies and ${policySet.templates.size} templates are valid (hash ${policySet.hash}).`);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    for (const problem of error.problems) console.error(formatProblem(problem));
    console.error(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}.`);
    process.exitCode = 1;
  }
}
