/**
 * `Function`: a FunctionGraph function deployed from a source directory — the product's Pulumi resource
 * (type `pulumi-nodejs:dynamic/functiongraph:Function`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Runtime } from "../api";
import { functionProvider } from "./provider";
import { OUTPUT_KEYS } from "./outputs";

/** Arguments of `Function`. Defaults: see FUNCTION_DEFAULTS (defaults.ts). */
export interface FunctionArgs {
  /** Directory with the function code (relative to the program directory). Zipped deterministically. Required unless `codeUrl`. */
  sourceDir?: pulumi.Input<string>;
  /** Runtime, e.g. `Node.js18.15`, `Python3.10`, `Custom`. */
  runtime: pulumi.Input<Runtime>;
  /** Entry point `<file>.<function>`, e.g. `index.handler`. */
  handler: pulumi.Input<string>;
  /** Function name (default: the resource name). Changing it replaces the function. */
  funcName?: pulumi.Input<string>;
  /** App the function belongs to (default `default`). Changing it replaces the function. */
  package?: pulumi.Input<string>;
  /** Memory in MB: 128, 256, 512, … 4096 (default 128). */
  memorySize?: pulumi.Input<number>;
  /** Timeout in seconds, 3–259200 (default 3). */
  timeout?: pulumi.Input<number>;
  /** Description, at most 512 characters. */
  description?: pulumi.Input<string>;
  /** Environment variables (`user_data`): at most 20, 4 KB as JSON. Kept secret in state (input and output). */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Extra gitignore-syntax patterns left out of the package. */
  exclude?: pulumi.Input<pulumi.Input<string>[]>;
  /** Honour `.gitignore` and `.fgsignore` files (default true). */
  useIgnoreFiles?: pulumi.Input<boolean>;
  /** Publish a version whenever the code or settings change (default false). */
  publishVersion?: pulumi.Input<boolean>;
  /** Take over an existing function of the same name instead of failing (default false). */
  adopt?: pulumi.Input<boolean>;
  /** On every preview, compare the live function with the recorded one (one GET; default true). */
  driftCheck?: pulumi.Input<boolean>;
  /** Region (default: stack config `functiongraph:region`, then `HW_REGION_NAME`). Changing it replaces. */
  region?: pulumi.Input<string>;
  /** Project id (default: `functiongraph:projectId`, then `HW_PROJECT_ID`/`HUAWEICLOUD_SDK_PROJECT_ID`). */
  projectId?: pulumi.Input<string>;
  /** `"obs"` stages the zip in `codeBucket`; `"inline"` never does (default: OBS when the zip is over 50 MB and a bucket is set). */
  codeStorage?: pulumi.Input<"inline" | "obs">;
  /** OBS bucket (in the function's region) for packages over the inline limit (default: `functiongraph:codeBucket`). */
  codeBucket?: pulumi.Input<string>;
  /** Your own package in OBS (`https://<bucket>.obs.<region>.myhuaweicloud.com/<key>`) instead of `sourceDir`; redeployed when its ETag changes. */
  codeUrl?: pulumi.Input<string>;
  /** Endpoint URL (default: `functiongraph:endpoint`, then the region's public endpoint). */
  endpoint?: pulumi.Input<string>;
}

/** A FunctionGraph function whose code is the zipped `sourceDir`. */
export class Function extends pulumi.dynamic.Resource {
  declare public readonly funcUrn: pulumi.Output<string>;
  declare public readonly funcName: pulumi.Output<string>;
  declare public readonly package: pulumi.Output<string>;
  declare public readonly runtime: pulumi.Output<string>;
  declare public readonly handler: pulumi.Output<string>;
  declare public readonly memorySize: pulumi.Output<number>;
  declare public readonly timeout: pulumi.Output<number>;
  declare public readonly cpu: pulumi.Output<number | undefined>;
  declare public readonly codeType: pulumi.Output<string | undefined>;
  declare public readonly codeFilename: pulumi.Output<string | undefined>;
  declare public readonly codeSize: pulumi.Output<number | undefined>;
  /** SHA512 of the code as the service reports it. */
  declare public readonly digest: pulumi.Output<string>;
  /** `latest`, or the version published by this resource when `publishVersion`. */
  declare public readonly version: pulumi.Output<string>;
  declare public readonly imageName: pulumi.Output<string | undefined>;
  declare public readonly lastModified: pulumi.Output<string | undefined>;
  declare public readonly namespace: pulumi.Output<string | undefined>;
  declare public readonly projectName: pulumi.Output<string | undefined>;
  declare public readonly domainId: pulumi.Output<string | undefined>;
  declare public readonly description: pulumi.Output<string>;
  declare public readonly environment: pulumi.Output<Record<string, string>>;
  /** The diff key: SHA512 over the packaged files' paths, exec bits and bytes. */
  declare public readonly sourceSha512: pulumi.Output<string>;
  /** SHA512 of the uploaded code zip. */
  declare public readonly zipSha512: pulumi.Output<string>;
  declare public readonly fileCount: pulumi.Output<number>;

  constructor(name: string, args: FunctionArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(OUTPUT_KEYS.map((k) => [k, undefined]));
    Object.assign(props, args, { funcName: args.funcName ?? name });
    // additionalSecretOutputs only covers the OUTPUT: the engine stores the inputs (and shows them in the
    // preview) as given, so the variables would sit in clear text in the state's inputs. A secret input is
    // encrypted there, and the engine keeps the checked input and the output of the same name secret.
    if (args.environment !== undefined) props.environment = pulumi.secret(args.environment);
    super(functionProvider, name, props, {
      ...opts,
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "environment"],
    }, "functiongraph", "Function");
  }
}
