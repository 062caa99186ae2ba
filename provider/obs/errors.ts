/**
 * Typed errors of the OBS client. Messages name the call (`PUT bucket/key`) and OBS's error code with advice
 * for the common ones; none carries a header or a credential (server text is redacted by the client).
 */
import { FgsError } from "../errors";

const HINTS: Record<string, string> = {
  NoSuchBucket: "create the bucket in the function's region, or set codeBucket / functiongraph:codeBucket to an existing one",
  AccessDenied: "the credentials need obs:object:PutObject, GetObject and multipart permissions on the bucket",
  SignatureDoesNotMatch: "check the secret key (functiongraph:secretKey)",
  InvalidAccessKeyId: "check the access key (functiongraph:accessKey)",
  RequestTimeTooSkewed: "the machine's clock is off by more than 15 minutes",
  VirtualHostDomainRequired: "use the region's OBS endpoint (https://obs.<region>.myhuaweicloud.com) rather than a path-style URL",
};

/** An OBS answer outside 2xx (after retries); `errorCode` is OBS's (`NoSuchBucket`, …), `code` the family's. */
export class ObsRequestError extends FgsError {
  readonly status: number;
  readonly errorCode?: string;
  readonly requestId?: string;
  readonly operation: string;

  constructor(init: { operation: string; status: number; code?: string; detail: string; requestId?: string; ambiguous?: boolean }) {
    const hint = init.code ? HINTS[init.code] : undefined;
    super("FGS_OBS_REQUEST", `OBS ${init.operation}: HTTP ${init.status}${init.code ? ` ${init.code}` : ""}: ${init.detail}` +
      `${init.requestId ? ` (request id ${init.requestId})` : ""}${hint ? ` — ${hint}` : ""}`,
    { retryable: init.status === 429 || init.status >= 500, ambiguous: init.ambiguous ?? false });
    this.name = "ObsRequestError";
    this.status = init.status;
    this.errorCode = init.code;
    this.requestId = init.requestId;
    this.operation = init.operation;
  }
}

/** A staging precondition that failed before anything was sent (bad bucket name, token-only credentials, …). */
export class ObsConfigurationError extends FgsError {
  constructor(readonly property: string, message: string) {
    super("FGS_OBS_CONFIGURATION", `${property}: ${message}`);
    this.name = "ObsConfigurationError";
  }
}
