/**
 * `Function`: a FunctionGraph function deployed from a source directory (or a custom image) — the product's
 * Pulumi resource (type `pulumi-nodejs:dynamic/functiongraph:Function`). Its arguments and output fields are
 * derived from the property table (../api/function-properties.ts); the README's table is checked against it.
 */
import * as pulumi from "@pulumi/pulumi";
import { assertOneSupportedSdk } from "../sdk-check";
import { assertKnownArgs } from "../api/suggest";
import type { FUNCTION_PROPERTIES } from "../api/function-properties";
import {
  ARG_NAMES, SECRET_NAMES, type OutputNameOf, type OutputValuesOf, type PropertyTable, type RawArgsOf,
} from "../api/property-derivations";
import { functionProvider } from "./provider";
import { OUTPUT_KEYS } from "./outputs";

/** `pulumi.Input` at every level of a value (a map of inputs, a list of inputs, …). */
export type DeepInput<T> = T extends string | number | boolean | null | undefined
  ? pulumi.Input<T>
  : T extends readonly (infer U)[]
    ? pulumi.Input<DeepInput<U>[]>
    : T extends object
      ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>
      : pulumi.Input<T>;

/** A resource's arguments from its table (`Function`'s, a companion's): each a `pulumi.Input` (at every level). */
export type ResourceArgsOf<T extends PropertyTable> = { [K in keyof RawArgsOf<T>]: DeepInput<RawArgsOf<T>[K]> };

/** A resource class's output fields from its table (present ones `T`, optional ones `T | undefined`). */
export type ResourceOutputFieldsOf<T extends PropertyTable> = {
  readonly [K in OutputNameOf<T>]-?: pulumi.Output<K extends keyof OutputValuesOf<T> ? OutputValuesOf<T>[K] : never>
};

/** Arguments of `Function`, from the property table: each a `pulumi.Input` (at every level). */
export type FunctionArgs = ResourceArgsOf<typeof FUNCTION_PROPERTIES>;

/** The output fields of `Function`, from the property table (present ones `T`, optional ones `T | undefined`). */
export type FunctionOutputFields = ResourceOutputFieldsOf<typeof FUNCTION_PROPERTIES>;

// The class's output fields are the table's outputs: declared by merging this interface into the class.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Function extends FunctionOutputFields {}

/** A FunctionGraph function whose code is the zipped `sourceDir` (or a `customImage`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Function extends pulumi.dynamic.Resource {
  constructor(name: string, args: FunctionArgs, opts?: pulumi.CustomResourceOptions) {
    assertOneSupportedSdk();
    assertKnownArgs(`fgs.Function '${name}'`, args, ARG_NAMES);
    const props: Record<string, unknown> = Object.fromEntries(OUTPUT_KEYS.map((k) => [k, undefined]));
    Object.assign(props, args, { funcName: args.funcName ?? name });
    // additionalSecretOutputs only covers the OUTPUT: the engine stores the inputs (and shows them in the
    // preview) as given, so the variables would sit in clear text in the state's inputs. A secret input is
    // encrypted there, and the engine keeps the checked input and the output of the same name secret.
    const given = args as Record<string, unknown>;
    for (const key of SECRET_NAMES) if (given[key] !== undefined) props[key] = pulumi.secret(given[key]);
    super(functionProvider, name, props, {
      ...opts,
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...SECRET_NAMES],
    }, "functiongraph", "Function");
  }
}
