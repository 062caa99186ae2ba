/**
 * The serialized provider of each companion resource (`Trigger`, `Alias`, `Dependency`): like the `Function`'s
 * (provider.ts), a thin shim that references only the path of its lifecycle module — a plain string — and
 * `require`s it at run time in the plugin process, so no credential, zod schema or client is ever serialized.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The lifecycle a companion resource's module exports. */
export interface CompanionLifecycle {
  configure(req: unknown): Promise<void>;
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult>;
  remove(id: string, props: Record<string, unknown>): Promise<void>;
}

/** A provider whose methods load `implementation` (a package specifier or absolute path) when first called. */
export function companionProvider(implementation: string): pulumi.dynamic.ResourceProvider {
  const load = (): CompanionLifecycle => {
    try {
      return require(implementation);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && String((err as Error).message).includes(implementation)) {
        const setup = new Error(`pulumi-functiongraph: cannot load its provider code '${implementation}' from ${process.cwd()}. ` +
          "Run `npm install pulumi-functiongraph` in the program directory (and run `pulumi` from there).");
        setup.stack = `${setup.name}: ${setup.message}`;
        throw setup;
      }
      throw err;
    }
  };
  return {
    configure: (req) => load().configure(req),
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read(id, props ?? {}),
    update: (id, olds, news) => load().update(id, olds, news),
    delete: (id, props) => load().remove(id, props),
  };
}
