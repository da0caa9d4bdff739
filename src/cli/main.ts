import { CommanderError } from 'commander';
import { tenureProgram } from './commands.ts';

/** Node's file errors name a system call; a person wants the path and what is wrong with it. */
function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT' && error.path) return `${error.path}: no such file or folder`;
  if (error.code === 'EISDIR' && error.path) return `${error.path}: a folder, where a file was expected`;
  return error.message;
}

/** Exit codes: 0 done (or help asked for), 1 the command failed, 2 the command line is wrong. */
async function main(argv: string[]): Promise<void> {
  const program = tenureProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    // Commander has already said what is wrong with the command line, naming the command or option.
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    console.error(`tenure: ${describe(error as NodeJS.ErrnoException)}`);
    process.exitCode = 1;
  }
}

// `tenure status … | head` closes the pipe after what it wanted: the rest is not for anyone.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

await main(process.argv.slice(2));
