/**
 * `Alias`: a stable name for a function version, optionally shifting a share of the traffic (or the requests
 * matching header/cookie rules) to one more version (type `pulumi-nodejs:dynamic/functiongraph:Alias`).
 * Every change is made in place with one update call — never delete + create, which would drop traffic.
 * Its arguments and output fields are derived from its table (inputs.ts).
 */
import type { ResourceArgsOf } from "../function";
import { companionClass } from "../companion/resource";
import { ALIAS, type ALIAS_PROPERTIES } from "./inputs";

/** Arguments of `Alias`, from its table. */
export type AliasArgs = ResourceArgsOf<typeof ALIAS_PROPERTIES>;

/** A FunctionGraph version alias. Its provider loads ./lifecycle in the plugin process. */
export const Alias = companionClass<typeof ALIAS_PROPERTIES>(
  "Alias", ALIAS.outputKeys, require.resolve("./lifecycle"),
  (name, args) => ({ ...args, name: args.name ?? name }),
);
/** A FunctionGraph version alias. */
export type Alias = InstanceType<typeof Alias>;
