/**
 * `Alias`: a stable name for a function version, optionally shifting a share of the traffic (or the requests
 * matching header/cookie rules) to one more version (type `pulumi-nodejs:dynamic/functiongraph:Alias`).
 * Every change is made in place with one update call — never delete + create, which would drop traffic.
 */
import * as pulumi from "@pulumi/pulumi";
import type { VersionStrategy } from "../../api/alias-schemas";
import { implementationSpecifier } from "../provider";
import { companionProvider } from "../companion/shim";
import { ALIAS_OUTPUT_KEYS } from "./inputs";

/** Arguments of `Alias`. */
export interface AliasArgs {
  /** The function's URN (`fn.funcUrn`). Changing it replaces the alias. */
  functionUrn: pulumi.Input<string>;
  /** The alias name (default: the resource name). Changing it replaces the alias. */
  name?: pulumi.Input<string>;
  /** The version it points at: `fn.version`, a published version name, or `latest`. */
  version: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** A canary: `{ <other version>: <percent> }` (one version, 1-100). */
  additionalVersionWeights?: pulumi.Input<Record<string, pulumi.Input<number>>>;
  /** Rule-based routing: `{ <other version>: { combine_type, rules: [{ rule_type, param, op, value }] } }`. */
  additionalVersionStrategy?: pulumi.Input<Record<string, pulumi.Input<VersionStrategy>>>;
  /** Take over an existing alias of the same name instead of failing. */
  adopt?: pulumi.Input<boolean>;
  /** On every preview, compare the live alias with the recorded one (one GET; default true). */
  driftCheck?: pulumi.Input<boolean>;
  region?: pulumi.Input<string>;
  projectId?: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
}

/** The shim Pulumi serializes: the path of the lifecycle module, nothing else. */
export const aliasProvider = companionProvider(implementationSpecifier(require.resolve("./lifecycle")));

/** A FunctionGraph version alias. */
export class Alias extends pulumi.dynamic.Resource {
  /** `urn:fss:…:function:<app>:<name>:!<alias>` — what callers and triggers use. */
  declare public readonly aliasUrn: pulumi.Output<string>;
  declare public readonly functionUrn: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly version: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  declare public readonly additionalVersionWeights: pulumi.Output<Record<string, number>>;
  declare public readonly additionalVersionStrategy: pulumi.Output<Record<string, VersionStrategy>>;
  declare public readonly lastModified: pulumi.Output<string | undefined>;

  constructor(name: string, args: AliasArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(ALIAS_OUTPUT_KEYS.map((k) => [k, undefined]));
    Object.assign(props, args, { name: args.name ?? name });
    super(aliasProvider, name, props, opts, "functiongraph", "Alias");
  }
}
