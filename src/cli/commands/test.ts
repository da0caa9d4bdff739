import { loadPolicySet } from '../../policy/loader.ts';
import { runPolicyTests } from '../../policy/policy-tests.ts';
import { reportValidationProblems } from '../policy-problems.ts';
import { loadConfig } from '../../runtime/config.ts';

export async function run(values: { policies?: string; templates?: string }): Promise<void> {
  const config = loadConfig();
  const policiesDir = values.policies ?? config.policiesDir;
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(policiesDir, values.templates ?? config.templatesDir);
    const results = await runPolicyTests(policySet, policiesDir);
    for (const result of results) {
      console.log(`${result.passed ? 'ok  ' : 'FAIL'}  ${result.name}`);
      if (result.diff) console.log(`${result.diff.replace(/^/gm, '        ')}\n`);
    }
    const failed = results.filter((result) => !result.passed).length;
    console.log(`\n${results.length - failed} passed, ${failed} failed.`);
    if (failed > 0 || results.length === 0) process.exitCode = 1;
  });
}
