/**
 * The engine harness: runs a real Pulumi program under `pulumi.runtime.setMocks` and drives the real
 * `@pulumi/pulumi` dynamic-provider plugin over gRPC as the engine does, with the stack's Pulumi checkpoint (a file backend shared with the CLI) between runs.
 * Used by `npm start` (bin/commands/demo.ts) and by the end-to-end tests.
 */
export { runStack, StackRunError, type RunStackOptions, type StackResult } from "./stack";
export { startPlugin, HarnessError, ResourceInitError, type Plugin, type PluginCall, type PluginOptions } from "./plugin";
export type { StackConfig, ConfigValue } from "./config";
export type { Step, StepOp } from "./engine";
export type { Operation, StepCounts } from "./summary";
export { loadState, type StackState, type ResourceState } from "./state";
export { backendPaths, readCheckpoint, type BackendPaths, type CheckpointFile, type CheckpointResource } from "./checkpoint";
export { migrateLegacyState, type MigrationOptions, type MigrationOutcome } from "./legacy-state";
export { unshownError } from "./cli-error";
export { readProject, type Project } from "./project";
export { envPassphrase, type EnvPassphrase } from "./secrets";
export { UNKNOWN } from "./wire";
export { findPulumiCli, cachedCliPath, pinnedCliVersion, runWithPulumiCli, type PulumiCliRunOptions, type PulumiCliResult, type CliResourceEvent } from "./pulumi-cli";
export { findLanguageHost, runWithPlainPulumi, runPulumiCommand, plainPulumiEnv, typescriptHint, type PulumiCommandResult } from "./pulumi-plain";
export { lockState, StateLockedError, type LockInfo, type StateLock } from "./state-lock";
export { obsBackendUrl, obsBackendEnv, backendUrlProblem, redactBackendUrl, type ObsBackendTarget, type ObsBackendCredentials } from "./state-backend";
