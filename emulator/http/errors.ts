/**
 * The service's error vocabulary. Every failure leaves a handler as an `ApiError`, which the server turns into
 * the documented body `{error_code, error_msg}` (plus the `X-Request-Id` header every response carries).
 */

/** A failure with the HTTP status, the service's error code and message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }

  /** The wire body. */
  body(): { error_code: string; error_msg: string } {
    return { error_code: this.code, error_msg: this.message };
  }
}

/** Constructors for the codes the emulator emits, named so handlers read like the API docs. */
export const Errors = {
  badRequest: (msg: string) => new ApiError(400, "FSS.0400", msg),
  authFailed: (detail: string) =>
    new ApiError(401, "APIGW.0301", `Incorrect IAM authentication information: ${detail}`),
  noSuchApi: () => new ApiError(404, "APIG.0101", "The API does not exist or has not been published in the environment"),
  busy: () => new ApiError(429, "FSS.0429", "api is busy now"),
  internal: (msg = "internal server error, please try again later") => new ApiError(500, "FSS.0500", msg),
  unavailable: () => new ApiError(503, "FSS.0503", "service unavailable, please try again later"),
  bodyTooLarge: () => new ApiError(413, "FSS.0413", "request entity too large"),
  functionNotFound: (urn: string) => new ApiError(404, "FSS.1051", `Not found the function: ${urn}`),
  codeNotFound: (urn: string) => new ApiError(404, "FSS.1052", `Not found the function code: ${urn}`),
  invalidName: (msg: string) => new ApiError(400, "FSS.1002", `Invalid function name: ${msg}`),
  invalidHandler: (msg: string) => new ApiError(400, "FSS.1003", `Invalid handler: ${msg}`),
  invalidPackage: (msg: string) => new ApiError(400, "FSS.1004", `Invalid package: ${msg}`),
  invalidRuntime: (msg: string) => new ApiError(400, "FSS.1005", `Invalid runtime: ${msg}`),
  invalidCodeType: (msg: string) => new ApiError(400, "FSS.1006", `Invalid code_type: ${msg}`),
  invalidMemory: (msg: string) => new ApiError(400, "FSS.1007", `Invalid memory_size: ${msg}`),
  invalidTimeout: (msg: string) => new ApiError(400, "FSS.1008", `Invalid timeout: ${msg}`),
  invalidUserData: (msg: string) => new ApiError(400, "FSS.1009", `Invalid user_data: ${msg}`),
  invalidCode: (msg: string) => new ApiError(400, "FSS.1011", `Invalid function code: ${msg}`),
  invalidFileType: (msg: string) => new ApiError(400, "FSS.1013", `Invalid file type: ${msg}`),
  nothingChanged: () => new ApiError(400, "FSS.1016", "The function has not changed since the last version was published"),
  tooManyUserData: (n: number, max: number) => new ApiError(400, "FSS.1017", `user_data has ${n} items, more than ${max}`),
  userDataTooLarge: (n: number, max: number) => new ApiError(400, "FSS.1018", `user_data is ${n} bytes, more than ${max}`),
  descriptionTooLong: (max: number) => new ApiError(400, "FSS.1019", `description is longer than ${max} characters`),
  onlyOneYaml: (n: number) => new ApiError(400, "FSS.1022", `Only one YAML file is allowed in the package (found ${n})`),
  importTooLarge: (n: number, max: number) => new ApiError(400, "FSS.1023", `The imported file is too large (${n} bytes, limit ${max})`),
  invalidYaml: (msg: string) => new ApiError(400, "FSS.1025", `Invalid YAML file: ${msg}`),
  quotaExceeded: (max: number) => new ApiError(403, "FSS.1041", `The number of functions exceeds the quota (${max})`),
  versionQuota: (max: number) => new ApiError(403, "FSS.0403", `The number of versions exceeds the limit (${max}, latest included)`),
  nameNotInYaml: (name: string) => new ApiError(404, "FSS.1057", `The function name '${name}' is not in the YAML file`),
  appEqualsFunction: () => new ApiError(400, "FSS.1058", "The app name cannot be the same as the function name"),
  functionExists: () => new ApiError(409, "FSS.1061", "The function has existed"),
  versionExists: (v: string) => new ApiError(409, "FSS.1062", `The version '${v}' already exists`),
  codeTooLarge: (n: number, max: number) => new ApiError(413, "FSS.1071", `The code package is too large (${n} bytes, limit ${max})`),
} as const;
