// Runs one command (the Temporal dev server) for Tenure and stops it when Tenure goes, however
// Tenure goes. Node has no PR_SET_PDEATHSIG; the IPC channel to Tenure closes when Tenure's
// process ends (Ctrl-C, a crash, SIGKILL alike), and this small process, doing nothing else,
// is there to see it. Plain JavaScript: it must start without Tenure's TypeScript loader.
//
//   node supervise.mjs <pid file> <json for the pid file> <command> [args…]
//
// The pid file names the command's pid while it runs, so that a start after a crash of this
// supervisor too can say what was left behind; it is removed when the command ends.
import { spawn } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

const [pidFile, info, command, ...args] = process.argv.slice(2);

// Its own process group: Ctrl-C reaches Tenure, which stops its parts in order, and not the
// server behind Tenure's back; and stopping the group stops whatever the server started.
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
child.on('error', (error) => {
  console.error(`${command}: ${error.message}`);
  process.exit(127);
});

const signalGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
};

let forceTimer;
function stop() {
  if (child.exitCode !== null || child.signalCode !== null) return;
  signalGroup('SIGTERM');
  forceTimer ??= setTimeout(() => signalGroup('SIGKILL'), 10_000);
}

// Written once stop() exists: a pid file that cannot be written must not leave the server unwatched.
if (child.pid !== undefined) {
  try {
    writeFileSync(pidFile, `${JSON.stringify({ ...JSON.parse(info), pid: child.pid, supervisor: process.pid })}\n`);
  } catch (error) {
    console.error(`cannot write ${pidFile} (${error.message}); stopping the server rather than leave it untracked`);
    stop();
  }
}

process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
// Tenure hears Ctrl-C too, and stops this process when its turn comes.
process.on('SIGINT', () => {});
if (!process.connected) stop();

child.on('exit', (code, signal) => {
  clearTimeout(forceTimer);
  try {
    if (JSON.parse(readFileSync(pidFile, 'utf8')).pid === child.pid) unlinkSync(pidFile);
  } catch {
    // No pid file, or another run's.
  }
  process.exit(code ?? (signal ? 1 : 0));
});
