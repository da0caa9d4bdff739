// Runs every benchmark in turn and prints its figures. Each benchmark file exports `run()`.
const suites = ['./okta-emulator.bench.ts', './planner.bench.ts'];

for (const suite of suites) {
  const { run } = (await import(suite)) as { run: () => Promise<void> };
  await run();
}
