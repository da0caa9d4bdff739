import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../src/cli/commands/schema.ts';
import { policyJsonSchema, withCurrentReference } from '../../src/policy/reference.ts';
import { projectRoot } from '../../src/runtime/config.ts';

// Both files are generated from src/policy/schema.ts; `npx tenure schema --write` refreshes them.
describe('the files generated from the policy schema', () => {
  const { schemaFile, readmeFile } = generatedFiles(projectRoot);

  it('policies/policy.schema.json is current', async () => {
    expect(JSON.parse(await readFile(schemaFile, 'utf8'))).toEqual(policyJsonSchema());
  });

  it("the README's policy reference is current and lists every action and key", async () => {
    const readme = await readFile(readmeFile, 'utf8');
    expect(readme).toBe(withCurrentReference(readme));
    for (const heading of ['SYNC_IDENTITIES', 'MANAGE_RELATIONSHIPS', 'DEPROVISION_IDENTITY', 'DELETE_IDENTITY', 'CREATE_ENTITLEMENT', 'RESET_PASSWORD', 'NOTIFY']) {
      expect(readme).toContain(`### ${heading}\n`);
    }
    expect(readme).toContain('| `workflows[].effective` |');
    expect(readme).toContain('| `attributes.<name>.fallbacks` |');
  });
});
