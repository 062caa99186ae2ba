/**
 * Typed errors of the OBS client. Messages name the call (`PUT bucket/key`) and OBS's error code with advice
 * for the common ones; none carries a header or a credential (server text is redacted by the client).
 */
import { keepMessage } from "../api/errors";

const HINTS: Record<string, string> = {
  NoSuchBucket: "create the bucket in the function's region, or set codeBucket / functiongraph:codeBucket to an existing one",
  AccessDenied: "the credentials need obs:object:PutObject, GetObject and multipart permissions on the bucket",
  SignatureDoesNotMatch: "check the secret key (functiongraph:secretKey)",
  InvalidAccessKeyId: "check the access key (functiongraph:accessKey)",
  RequestTimeTooSkewed: "the machine's clock is off by more than 15 minutes",
  VirtualHostDomainRequired: "use the region's OBS endpoint (https://obs.<region>.myhuaweicloud.com) rather than a path-style URL",
};

/** An OBS answer outside 2xx (after retries). */
export class ObsRequestError extends Error {
  readonly status: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly operation: string;
  readonly ambiguous: boolean;

  constructor(init: { operation: string; status: number; code?: string; detail: string; requestId?: string; ambiguous?: boolean }) {
    const hint = init.code ? HINTS[init.code] : undefined;
    const message = `OBS ${init.operation}: HTTP ${init.status}${init.code ? ` ${init.code}` : ""}: ${init.detail}` +
      `${init.requestId ? ` (request id ${init.requestId})` : ""}${hint ? ` — ${hint}` : ""}`;
    super(message);
    keepMessage(this, message);
    this.name = "ObsRequestError";
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.operation = init.operation;
    this.ambiguous = init.ambiguous ?? false;
  }
}

/** A staging precondition that failed before anything was sent (bad bucket name, token-only credentials, …). */
export class ObsConfigurationError extends Error {
  constructor(readonly property: string, message: string) {
    super(`${property}: ${message}`);
    keepMessage(this, `${property}: ${message}`);
    this.name = "ObsConfigurationError";
  }
}
