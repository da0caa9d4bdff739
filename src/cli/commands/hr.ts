/** `tenure hr send …` posts one event to the intake; `tenure hr import …` imports a whole export. */
export async function run(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'send') return (await import('./hr-send.ts')).run(argv);
  if (sub === 'import') return (await import('./hr-import.ts')).run(rest);
  throw new Error('usage: tenure hr send <file.json> [--url U] [--secret S] | tenure hr import <file.csv|file.json> [--dry-run] [--columns mapping.json] [--json]');
}
