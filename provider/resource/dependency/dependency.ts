/**
 * `Dependency`: a dependency package (layer) built from a source directory with the same deterministic packer
 * as `Function` (type `pulumi-nodejs:dynamic/functiongraph:Dependency`). Its Pulumi id is the dependency
 * version's id — what a function's dependency list takes. A new version is created only when the content (or
 * runtime, name, description) changed; the old one is deleted afterwards unless a function still uses it.
 * Its arguments and output fields are derived from its table (inputs.ts).
 */
import type { ResourceArgsOf } from "../function";
import { companionClass } from "../companion/resource";
import { DEPENDENCY, type DEPENDENCY_PROPERTIES } from "./inputs";

/** Arguments of `Dependency`, from its table. */
export type DependencyArgs = ResourceArgsOf<typeof DEPENDENCY_PROPERTIES>;

/** A FunctionGraph dependency version. `id` is the version id. Its provider loads ./lifecycle in the plugin process. */
export const Dependency = companionClass<typeof DEPENDENCY_PROPERTIES>(
  "Dependency", DEPENDENCY.outputKeys, require.resolve("./lifecycle"),
  (name, args) => ({ ...args, name: args.name ?? name }),
);
/** A FunctionGraph dependency version. `id` is the version id. */
export type Dependency = InstanceType<typeof Dependency>;
