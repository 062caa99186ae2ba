/**
 * One undici connection pool per endpoint origin, created on first request. The cache lives on `globalThis`
 * under a registry symbol (`Symbol.for`) rather than in a module variable, so Pulumi's function serializer — which captures
 * module state of local modules by value — never sees a pool (it cannot serialize one) nor anything else.
 */
import type { Dispatcher } from "undici";

/** The cache. The registry symbol is looked up here, not held in a module constant: a captured symbol breaks. */
function cache(): Map<string, Dispatcher> {
  const g = globalThis as unknown as Record<symbol, Map<string, Dispatcher> | undefined>;
  return (g[Symbol.for("pulumi-functiongraph.dispatchers")] ??= new Map());
}

/** The shared dispatcher of an origin (`https://host:port`), created lazily. */
export function dispatcherFor(origin: string): Dispatcher {
  const pools = cache();
  let pool = pools.get(origin);
  if (!pool) {
    // undici is loaded with the first request: a process that makes none (the preview of a new function) skips it.
    const { Pool } = require("undici") as typeof import("undici");
    pool = new Pool(origin, { connections: 8, keepAliveTimeout: 10_000 });
    pools.set(origin, pool);
  }
  return pool;
}

/** Closes every cached dispatcher (end of a deployment, end of a test file) so the process can exit. */
export async function closeDispatchers(): Promise<void> {
  const pools = cache();
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close().catch(() => undefined)));
}
