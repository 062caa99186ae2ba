/**
 * The serialized provider: a thin shim that Pulumi writes into every resource's `__provider`.
 *
 * Pulumi serializes the provider object by value, with everything its methods reference. To keep that small,
 * free of credentials and independent of how zod, undici or the worker pool look inside, the shim references
 * only one string — where the real implementation (lifecycle.ts) lives — and `require`s it at run time in the
 * plugin process (`require` is never captured by the serializer). The companion resources' shims are the same.
 *
 * Installed from npm, the string is the package-relative specifier (`pulumi-functiongraph/dist/…`), resolved
 * from the program directory where the plugin runs, so state stays valid when a checkout moves (CI).
 * In a development checkout outside node_modules it is the absolute path of the compiled file.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/** What a resource's implementation module exports (the `Function`'s lifecycle.ts, each companion's lifecycle.ts). */
export interface ResourceLifecycle {
  configure(req: unknown): Promise<void>;
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult>;
  remove(id: string, props: Record<string, unknown>): Promise<void>;
}

/** How the plugin finds the implementation: a package specifier when installed, else an absolute path. */
export function implementationSpecifier(file: string = require.resolve("./lifecycle")): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  return at >= 0 ? file.slice(at + marker.length).split(path.sep).join("/") : file;
}

/**
 * A provider whose methods load `implementation` (a package specifier or absolute path) when first called —
 * the shim of `Function` and of each companion resource (Pulumi serializes one object per resource type).
 */
export function lazyProvider(implementation: string): pulumi.dynamic.ResourceProvider {
  const load = (): ResourceLifecycle => {
    try {
      return require(implementation);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && String((err as Error).message).includes(implementation)) {
        const setup = new Error(`pulumi-functiongraph: cannot load its provider code '${implementation}' from ${process.cwd()}. ` +
          "The Pulumi plugin runs in the program directory: run `npm install pulumi-functiongraph` there " +
          "(and run `pulumi` from that directory).");
        // The plugin prints `${err}: ${err.stack}` to the user: a set-up problem gets its message, not a trace.
        setup.stack = "";
        throw setup;
      }
      throw err;
    }
  };
  // Each call goes through `traced`: the load's own failure too.
  const traced = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call).catch(traceOnly);
  return {
    configure: (req) => traced(() => load().configure(req)),
    check: (olds, news) => traced(() => load().check(olds, news)),
    diff: (id, olds, news) => traced(() => load().diff(id, olds, news)),
    create: (inputs) => traced(() => load().create(inputs)),
    read: (id, props) => traced(() => load().read(id, props ?? {})),
    update: (id, olds, news) => traced(() => load().update(id, olds, news)),
    delete: (id, props) => traced(() => load().remove(id, props)),
  };
}

/**
 * Rethrows `err` with its stack reduced to the frames. The plugin prints a failed call as `${err}: ${err.stack}`,
 * and a stack starts with `${err}` again: without this, every error's message shows twice on one line. The
 * engine's own error line uses the message, which stays as it is.
 */
export function traceOnly(err: unknown): never {
  if (err instanceof Error && typeof err.stack === "string") {
    const frames = err.stack.indexOf("\n    at ");
    err.stack = frames >= 0 ? `stack trace:${err.stack.slice(frames)}` : "";
  }
  throw err;
}

/** The one module-level provider instance (serialization is cached per object: share it). */
export const functionProvider: pulumi.dynamic.ResourceProvider = lazyProvider(implementationSpecifier());
