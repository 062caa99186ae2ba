/**
 * The classes of the companion resources (`Trigger`, `Alias`, `Dependency`), made from their tables: the
 * arguments and output fields are the table's, the outputs are passed as `undefined` (so the engine registers
 * each as an output of the resource), and the provider is the same lazy shim as `Function`'s, pointing at the
 * resource's lifecycle module. The type is `pulumi-nodejs:dynamic/functiongraph:<type>`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PropertyTable } from "../../api/property-derivations";
import type { ResourceArgsOf, ResourceOutputFieldsOf } from "../function";
import { implementationSpecifier, lazyProvider } from "../provider";

/** The class of a companion resource with the table `T`. */
export type CompanionClass<T extends PropertyTable> = new (
  name: string, args: ResourceArgsOf<T>, opts?: pulumi.CustomResourceOptions,
) => pulumi.dynamic.Resource & ResourceOutputFieldsOf<T>;

/**
 * The class of the companion resource `type`: `outputKeys` from its table, `lifecycle` the absolute path of its
 * lifecycle module, `fill` what the class adds to the arguments (e.g. the name defaulting to the resource name).
 */
export function companionClass<T extends PropertyTable>(
  type: string, outputKeys: readonly string[], lifecycle: string,
  fill: (name: string, args: ResourceArgsOf<T>) => object = (_name, args) => args,
): CompanionClass<T> {
  // One provider object per resource type: Pulumi serializes it once and shares it.
  const provider = lazyProvider(implementationSpecifier(lifecycle));
  const cls = class extends pulumi.dynamic.Resource {
    constructor(name: string, args: ResourceArgsOf<T>, opts?: pulumi.CustomResourceOptions) {
      const props: Record<string, unknown> = Object.fromEntries(outputKeys.map((k) => [k, undefined]));
      Object.assign(props, fill(name, args));
      super(provider, name, props, opts, "functiongraph", type);
    }
  };
  Object.defineProperty(cls, "name", { value: type });
  return cls as unknown as CompanionClass<T>;
}
