/** Authentication: AK/SK signing, credentials and target resolution. */
export { ConfigurationError, isConfigurationError } from "./configuration-error";
export { canonicalQuery, percentEncode } from "./percent-encoding";
export { TARGET_ENV_NAMES, endpointEnvName, regionEndpoint, resolveTarget } from "./resolve-target";
export type { Credentials, Target, TargetOptions } from "./resolve-target";
export { canonicalUri, formatSdkDate, signRequest, SIGNING_ALGORITHM } from "./sign-request";
export type { SignableRequest, SigningKey } from "./sign-request";
export { REDACTED, redactHeaders, redactSecrets } from "./redact";
