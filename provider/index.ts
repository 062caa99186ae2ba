/**
 * pulumi-functiongraph — the package root: packaging, the FunctionGraph API client and signer, and the
 * `Function` dynamic resource.
 */
export { codeOf, FgsError, hasCode, isAmbiguousFailure, type FgsErrorOptions } from "./errors";
export * from "./package";
export * from "./api";
export * from "./auth";
export * from "./resource";
export { ObsConfigurationError, ObsRequestError } from "./obs/errors";
export { Trigger, type TriggerArgs } from "./resource/trigger/trigger";
export { Alias, type AliasArgs } from "./resource/alias/alias";
export { Dependency, type DependencyArgs } from "./resource/dependency/dependency";
