/**
 * Resolves when Tenure is asked to stop: Ctrl-C, SIGTERM, or its output closed (EPIPE, as in
 * `npm start | head -1`). Listening from the start means a request during start-up is kept and
 * honoured as soon as the parts are up, and a closed pipe is a clean stop rather than a crash
 * with an unhandled 'error' event. Node notices a closed pipe at the next line written to it.
 */
export function stopRequest(): { requested: Promise<string>; outputOpen: () => boolean } {
  let open = true;
  let resolve!: (why: string) => void;
  const requested = new Promise<string>((done) => (resolve = done));
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
      if (stream === process.stdout) open = false;
      resolve('output closed');
    });
  }
  return { requested, outputOpen: () => open };
}
