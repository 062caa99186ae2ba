/**
 * `Dependency`: a dependency package (layer) built from a source directory with the same deterministic packer
 * as `Function` (type `pulumi-nodejs:dynamic/functiongraph:Dependency`). Its Pulumi id is the dependency
 * version's id — what a function's dependency list takes. A new version is created only when the content (or
 * runtime, name, description) changed; the old one is deleted afterwards unless a function still uses it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Runtime } from "../../api";
import { implementationSpecifier } from "../provider";
import { companionProvider } from "../companion/shim";
import { DEPENDENCY_OUTPUT_KEYS } from "./inputs";

/** Arguments of `Dependency`. */
export interface DependencyArgs {
  /** Directory to package (relative to the program directory), e.g. holding `nodejs/node_modules/…`. */
  sourceDir: pulumi.Input<string>;
  /** The runtime the dependency is for. */
  runtime: pulumi.Input<Runtime>;
  /** The dependency name (default: the resource name); versions of one name are numbered 1, 2, … */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Extra gitignore-syntax patterns left out of the package. */
  exclude?: pulumi.Input<pulumi.Input<string>[]>;
  /** Honour `.gitignore` and `.fgsignore` files (default true). */
  useIgnoreFiles?: pulumi.Input<boolean>;
  /** On every preview, check the version still exists (one GET; default true). */
  driftCheck?: pulumi.Input<boolean>;
  region?: pulumi.Input<string>;
  projectId?: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
}

/** The shim Pulumi serializes: the path of the lifecycle module, nothing else. */
export const dependencyProvider = companionProvider(implementationSpecifier(require.resolve("./lifecycle")));

/** A FunctionGraph dependency version. `id` is the version id. */
export class Dependency extends pulumi.dynamic.Resource {
  /** The dependency's id (shared by its versions). */
  declare public readonly dependencyId: pulumi.Output<string>;
  /** The version number (1, 2, …). */
  declare public readonly version: pulumi.Output<number>;
  declare public readonly size: pulumi.Output<number>;
  /** MD5 of the zip as the service reports it. */
  declare public readonly etag: pulumi.Output<string>;
  declare public readonly zipSha512: pulumi.Output<string>;
  declare public readonly sourceSha512: pulumi.Output<string>;
  declare public readonly fileCount: pulumi.Output<number>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly runtime: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  declare public readonly lastModified: pulumi.Output<string | number | undefined>;

  constructor(name: string, args: DependencyArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(DEPENDENCY_OUTPUT_KEYS.map((k) => [k, undefined]));
    Object.assign(props, args, { name: args.name ?? name });
    super(dependencyProvider, name, props, opts, "functiongraph", "Dependency");
  }
}
