/** Why a request never reached the server, as Node's fetch hides it under `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * Fetches `path` from one of Tenure's local servers; when nothing answers, says which server, at
 * which address, and how to start it, instead of Node's bare "fetch failed". `urlOption` is the
 * command's option that names another server.
 */
export async function fetchOrExplain(what: string, path: string, base: string, init?: RequestInit, urlOption = '--url'): Promise<Response> {
  let url: URL;
  try {
    // Relative to the base's own path, so an intake behind a proxy at /intake keeps its prefix.
    url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new Error(`${urlOption} "${base}" is not a URL (e.g. http://127.0.0.1:8081)`);
  }
  try {
    return await fetch(url, init);
  } catch (error) {
    // Credentials in a URL are nobody's business in an error message.
    const shown = new URL(url);
    shown.username = '';
    shown.password = '';
    throw new Error(`cannot reach ${what} at ${shown.href} (${reasonOf(error)}). Is Tenure running? Start it with \`npm start\`, or name another with ${urlOption}.`);
  }
}
