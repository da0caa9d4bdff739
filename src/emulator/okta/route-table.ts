import type { FastifyInstance } from 'fastify';

/**
 * The methods each route path answers, so that a request fastify cannot route can be told apart:
 * a path some route serves under another method is Okta's 405, any other path its 404. Fastify
 * itself answers both alike.
 */
export class RouteTable {
  private readonly routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
  private readonly byUrl = new Map<string, Set<string>>();

  /** Records every route registered on `app` from now on, its plugins' included. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) this.add(method, route.url ?? route.path);
    });
  }

  private add(method: string, url: string): void {
    // Fastify adds a HEAD route beside each GET; Okta's API declares none.
    if (method === 'HEAD') return;
    let methods = this.byUrl.get(url);
    if (!methods) {
      methods = new Set();
      this.byUrl.set(url, methods);
      this.routes.push({ pattern: patternOf(url), methods });
    }
    methods.add(method);
  }

  /** The methods some route answers at `path`, in a stable order; empty when no route has the path. */
  methodsAt(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) for (const method of route.methods) methods.add(method);
    return [...methods].sort();
  }
}

function patternOf(url: string): RegExp {
  const segments = url.split('/').map((segment) =>
    segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return new RegExp(`^${segments.join('/')}/?$`);
}
