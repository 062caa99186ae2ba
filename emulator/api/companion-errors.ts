/**
 * Errors of the trigger, alias and dependency calls, in the service's vocabulary: the generic documented
 * codes (FSS.0400/0403/0404/0409) where the service publishes no specific one [U], and the invoke API's
 * FSS.1052/FSS.1053 for a missing version or alias (docs/running-functions.md).
 */
import { ApiError } from "../http/errors";

/** Constructors named like the situations they report. */
export const CompanionErrors = {
  invalid: (field: string, msg: string) => new ApiError(400, "FSS.0400", `Invalid request body: ${field ? `${field}: ` : ""}${msg}`),
  triggerNotFound: (id: string) => new ApiError(404, "FSS.0404", `Not found the trigger: ${id}`),
  triggerExists: (what: string) => new ApiError(409, "FSS.0409", `The trigger already exists: ${what}`),
  cannotDisable: (type: string) => new ApiError(400, "FSS.0400", `A ${type} trigger cannot be disabled (only TIMER, DDS, DMS, KAFKA and LTS triggers can)`),
  versionNotFound: (v: string) => new ApiError(404, "FSS.1052", `Not found the function version: ${v}`),
  aliasNotFound: (name: string) => new ApiError(404, "FSS.1053", `Not found the function alias: ${name}`),
  aliasExists: (name: string) => new ApiError(409, "FSS.0409", `The alias '${name}' already exists`),
  aliasQuota: (max: number) => new ApiError(403, "FSS.0403", `The number of aliases exceeds the limit (${max})`),
  aliasOnQualifiedUrn: () => new ApiError(400, "FSS.0400", "Aliases belong to the function: use its URN without a version or alias"),
  versionInUse: (v: string, alias: string) => new ApiError(409, "FSS.0409", `The version '${v}' is used by the alias '${alias}'; re-point or delete the alias first`),
  dependencyNotFound: (what: string) => new ApiError(404, "FSS.0404", `Not found the dependency: ${what}`),
  dependencyInUse: (id: string, fn: string) => new ApiError(409, "FSS.0409", `The dependency version ${id} is used by the function '${fn}'`),
  dependencyTooLarge: (n: number, max: number) => new ApiError(413, "FSS.0413", `The dependency package is too large (${n} bytes, limit ${max})`),
} as const;
