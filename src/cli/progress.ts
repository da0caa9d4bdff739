/** Progress on stderr: a bar for a person at a terminal, a line per tenth in a log. */
export function progress(what: string): (done: number, total: number) => void {
  const stderr = process.stderr;
  if (stderr.isTTY) {
    return (done, total) => {
      if (total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${what}${done === total ? '\n' : ''}`);
    };
  }
  let shown = 0;
  return (done, total) => {
    if (total === 0) return;
    const tenths = Math.floor((done * 10) / total);
    if (tenths <= shown) return;
    shown = tenths;
    stderr.write(`${done} of ${total} ${what} (${Math.floor((done * 100) / total)}%)\n`);
  };
}
