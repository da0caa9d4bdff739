// Runs every benchmark in turn, or the ones named (`npm run bench -- end-to-end`), and prints their
// figures. Each benchmark file, <name>.bench.ts, exports `run()`.
const suites = ['okta-emulator', 'planner', 'end-to-end', 'hr-import', 'scim-directory'];

const named = process.argv.slice(2);
const unknown = named.filter((name) => !suites.includes(name));
if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; there are ${suites.join(', ')}`);

for (const suite of named.length > 0 ? named : suites) {
  const { run } = (await import(`./${suite}.bench.ts`)) as { run: () => Promise<void> };
  await run();
}
