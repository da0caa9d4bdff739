// Runs every benchmark in turn, or the ones named (`npm run bench -- end-to-end`), and prints their
// figures. Each benchmark file, <name>.bench.ts, exports `run()`. `scim` runs both of its parts,
// which may also be named on their own.
const suites = ['okta-emulator', 'planner', 'end-to-end', 'hr-import', 'held-import', 'scim'];
const parts = ['scim-directory', 'scim-push'];

const named = process.argv.slice(2);
const unknown = named.filter((name) => !suites.includes(name) && !parts.includes(name));
if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; there are ${suites.join(', ')}`);

for (const suite of named.length > 0 ? named : suites) {
  const { run } = (await import(`./${suite}.bench.ts`)) as { run: () => Promise<void> };
  await run();
}
