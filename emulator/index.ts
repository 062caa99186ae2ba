/**
 * `pulumi-functiongraph/emulator`: a local FunctionGraph emulator (a real HTTP server on loopback) for
 * `npm start`, the tests, and offline work and CI. Start one with `startEmulator()`; see server.ts for the
 * handle, http/faults.ts for the `--faults` SPEC format and admin/admin.ts for the `/__admin/` surface.
 */
export { startEmulator, type EmulatorHandle } from "./server";
export { DEV_DEFAULTS, DEFAULT_LIMITS, type EmulatorOptions, type EmulatorLimits, type EmulatorCredentials, type TemporaryCredential } from "./options";
export { parseFaultSpec, formatFaultSpec, type FaultConfig, type WriteOperation } from "./http/faults";
export { WRITE_OPERATIONS } from "./api/api-operations";
export type { SeedFunctionInput, ConfigPatch, FaultState } from "./admin/admin";
export type { RequestLogEntry, RequestLogFilter } from "./http/request-log";
export { DataDirError } from "./store/persistence";
export { DataDirUnsafeError } from "./store/owned-files";
export { ADMIN_HEADER, ADMIN_TOKEN_ENV } from "./admin/admin-guard";
export type { ObsHandle, ObsOptions } from "./obs/obs-emulator";
export type { ObsLogEntry } from "./obs/obs-server";
