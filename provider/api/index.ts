/** The FunctionGraph API: schemas, constraints, the client, its errors and the import package builder. */
export * from "./constraints";
export * from "./schemas";
export { FunctionGraphClient } from "./client";
export type { ExportedFunction, FunctionGraphClientOptions } from "./client";
export { closeDispatchers } from "./dispatcher-cache";
export { attemptTimeoutMs, DEFAULT_TIMEOUT_MS, retrying, Transport } from "./transport";
export type { RetryInfo, RetryLater, RetryLoopOptions, TransportSettings } from "./transport";
export {
  FunctionGraphError, hintFor, InvalidRequestError, NetworkError, ResponseSchemaError,
} from "./errors";
export type { CallContext, NetworkFailureKind } from "./errors";
export { invokeFunction } from "./invoke";
export type { AsyncInvocation, InvokeOptions, SyncInvocation } from "./invoke";
export {
  buildImportPackage, IMPORT_CODE_FILE_NAME, importPackage, importTemplateYaml, toUserData, type ImportFields, type ImportPackage,
} from "./import-package";
export type { ImportSettings } from "./import-package";
export {
  backoffDelay, DEFAULT_MAX_RETRIES, DEFAULT_RETRY_BASE_DELAY_MS, isAmbiguousRequest, MAX_RETRY_DELAY_MS,
  maxRetriesFromEnv, retryBaseDelayFromEnv, RETRYABLE_STATUSES, shouldRetry,
} from "./retry-policy";
export { normalizeUrn, urnPathSegment } from "./urn";
export { CompanionClient } from "./companion-client";
export { eventDataProblems, TRIGGER_STATUSES, TRIGGER_TYPES, type TriggerModel, type TriggerStatus, type TriggerType } from "./trigger-schemas";
export { parseSchedule, type ParsedSchedule, type ScheduleResult } from "./trigger-schedule";
export { MAX_ALIASES, routingProblems, type AliasModel, type VersionStrategy } from "./alias-schemas";
export type { DependencyModel, DependencyVersionModel } from "./dependency-schemas";
