import { commands } from './commands.ts';

function usage(): string {
  const lines = commands.map((command) => `  ${command.synopsis.padEnd(46)}${command.summary}`);
  return ['Usage: tenure <command>', '', ...lines, '', 'Each command takes --help.'].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    const known = name === undefined || name === '--help' || name === '-h';
    (known ? console.log : console.error)(usage());
    if (!known) process.exitCode = 2;
    return;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage: tenure ${command.synopsis}\n\n${command.summary}`);
    return;
  }
  // Each command loads only its own modules, so a quick command does not load the whole engine.
  const { run } = await command.load();
  await run(rest);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`tenure: ${error.message}`);
  process.exitCode = 1;
});
