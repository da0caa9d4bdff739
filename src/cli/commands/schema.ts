import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { policyJsonSchema, withCurrentReference } from '../../policy/reference.ts';
import { projectRoot } from '../../runtime/config.ts';

/** The files generated from the policy schema; a test fails when either is stale. */
export function generatedFiles(projectRoot: string): { schemaFile: string; readmeFile: string } {
  return { schemaFile: path.join(projectRoot, 'policies', 'policy.schema.json'), readmeFile: path.join(projectRoot, 'README.md') };
}

export async function run(values: { write?: boolean }): Promise<void> {
  const schema = `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
  if (!values.write) {
    process.stdout.write(schema);
    return;
  }
  const { schemaFile, readmeFile } = generatedFiles(projectRoot);
  await writeFile(schemaFile, schema);
  await writeFile(readmeFile, withCurrentReference(await readFile(readmeFile, 'utf8')));
  console.log(`Wrote ${schemaFile} and the policy reference in ${readmeFile}.`);
}
