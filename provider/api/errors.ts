/**
 * The typed errors of the FunctionGraph client. Every one names the call (`METHOD path`), so a failure in a
 * deployment log says what was attempted; none carries a header, and text that came from the server is passed
 * through `redact` by the client so a credential echoed back never reaches a message.
 */
import type { z } from "zod";
import { FgsError } from "../errors";
import { describeNetworkFailure } from "./network-failure";

/** What every client error shares: the call and whether it may have taken effect on the server. */
export interface CallContext {
  method: string;
  path: string;
  requestId?: string;
  /** True when a state-changing request may have reached the server and its outcome is unknown. */
  ambiguous?: boolean;
}

/** Short advice for well-known error codes and statuses, appended to messages. */
export function hintFor(status: number, errorCode?: string): string | undefined {
  if (errorCode === "APIGW.0301" || status === 401) {
    return "check the access key and secret key (or token) and the machine clock";
  }
  if (errorCode === "FSS.1041") return "the function quota is full (400 functions per project): delete unused functions or ask for a higher quota";
  if (status === 403) return "a quota or permission limit was hit (e.g. at most 20 versions per function, or the account lacks FunctionGraph permissions)";
  if (errorCode === "FSS.1071" || errorCode === "FSS.1023" || status === 413) {
    return "the code package is too large for the API (50 MB for code uploads; import limits vary)";
  }
  if (errorCode === "FSS.0429" || errorCode === "APIG.0308" || status === 429) return "the API is throttling; retry later";
  return undefined;
}

const AMBIGUOUS_NOTE = "the request may have reached the server: look the function up before retrying";

function suffix(ctx: CallContext, status?: number): string {
  const parts = [status !== undefined ? `HTTP ${status}` : undefined, `${ctx.method} ${ctx.path}`,
    ctx.requestId ? `request ${ctx.requestId}` : undefined].filter(Boolean);
  return ` (${parts.join(", ")})`;
}

/** Fields every client error about one call shares: the call, its request id and whether it may have taken effect. */
abstract class CallError extends FgsError {
  readonly requestId?: string;
  readonly method: string;
  readonly path: string;

  constructor(code: string, ctx: CallContext, message: string, retryable: boolean) {
    super(code, message, { retryable, ambiguous: ctx.ambiguous ?? false });
    this.requestId = ctx.requestId;
    this.method = ctx.method;
    this.path = ctx.path;
  }
}

/**
 * An error response of the service: HTTP status, `error_code` (FSS.xxxx / APIGW.xxxx), `error_msg`, request id.
 * Message: `FSS.1061 The function has existed (HTTP 409, POST /v2/<project>/fgs/functions/import, request <id>)`.
 */
export class FunctionGraphError extends CallError {
  readonly status: number;
  readonly errorCode?: string;
  readonly errorMsg: string;
  readonly hint?: string;

  constructor(init: CallContext & { status: number; errorCode?: string; errorMsg: string }) {
    const hint = hintFor(init.status, init.errorCode);
    const head = init.errorCode ? `${init.errorCode} ${init.errorMsg}` : init.errorMsg;
    const message = head + suffix(init, init.status) + (hint ? ` — ${hint}` : "") + (init.ambiguous ? ` — ${AMBIGUOUS_NOTE}` : "");
    // Throttled or a server error: a later run may succeed (no Set here: the serializer captures one as a plain object).
    super("FGS_SERVICE", init, message, init.status === 429 || init.status >= 500);
    this.name = "FunctionGraphError";
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.errorMsg = init.errorMsg;
    this.hint = hint;
  }
}

/** A response that is not what the schema says (bad JSON, wrong type, missing field); `field` names the first. */
export class ResponseSchemaError extends CallError {
  readonly status: number;
  readonly field?: string;

  constructor(init: CallContext & { status: number; field?: string; detail: string }) {
    const message = `unexpected response: ${init.field !== undefined ? `field "${init.field}": ` : ""}${init.detail}${suffix(init, init.status)}`;
    super("FGS_RESPONSE_SCHEMA", { ...init, ambiguous: false }, message, false);
    this.name = "ResponseSchemaError";
    this.status = init.status;
    this.field = init.field;
  }
}

/**
 * Why a request got no response: `unreachable` = never connected (refused, DNS failure, connect timeout — the
 * request certainly did not reach the server); `reset` = connection lost after sending; `timeout` = no complete
 * answer within the per-request timeout; `other` = anything else.
 */
export type NetworkFailureKind = "unreachable" | "reset" | "timeout" | "other";

/** Which setting points a client at its service: what an unreachable endpoint's advice names. */
export type EndpointSetting = "functiongraph" | "obs";

/**
 * The fix for an endpoint nobody answers on: on loopback, start the emulator there (the port it should take) or
 * point the setting at a running one; elsewhere, check the setting, DNS and the network.
 */
export function unreachableHint(endpoint: string, setting: EndpointSetting): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  const key = setting === "obs" ? "functiongraph:obsEndpoint (env HW_OBS_ENDPOINT)" : "functiongraph:endpoint (or the resource's endpoint)";
  if (url && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname)) {
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    const start = setting === "obs" ? `fgs emulator --obs-port ${port} --data-dir <its data dir>` : `fgs emulator --port ${port} --data-dir <its data dir>`;
    return `nothing listens there: start the emulator (\`${start}\`), or set ${key} to the endpoint a running emulator prints`;
  }
  const env = setting === "obs" ? "" : " (env HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_<REGION>)";
  return `check ${key}${env}, DNS and the network`;
}

/**
 * A network failure or timeout. `ambiguous` says whether a state-changing request may have been applied. One that
 * never connected (`kind` unreachable) with its `endpoint` known reads `cannot reach <endpoint>: …` and ends with
 * the fix (`unreachableHint`).
 */
export class NetworkError extends CallError {
  readonly kind: NetworkFailureKind;
  /** The low-level code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) when known (`code` is the family's, `FGS_NETWORK`). */
  readonly transportCode?: string;
  /** The origin the request went to, when the client told it. */
  readonly endpoint?: string;

  constructor(init: CallContext & { kind: NetworkFailureKind; code?: string; detail: string; endpoint?: string; setting?: EndpointSetting }) {
    const unreachable = init.kind === "unreachable" && init.endpoint !== undefined;
    const head = unreachable ? `cannot reach ${init.endpoint}: ` : "";
    const hint = unreachable ? ` — ${unreachableHint(init.endpoint!, init.setting ?? "functiongraph")}` : "";
    const message = `${head}${describeNetworkFailure(init.kind, init.code)}: ${init.detail}${suffix(init)}${hint}${init.ambiguous ? ` — ${AMBIGUOUS_NOTE}` : ""}`;
    super("FGS_NETWORK", init, message, true);
    this.name = "NetworkError";
    this.kind = init.kind;
    this.transportCode = init.code;
    this.endpoint = init.endpoint;
  }
}

/** A request body that fails its schema before anything is sent (e.g. an invalid `func_name`). */
export class InvalidRequestError extends FgsError {
  readonly field?: string;

  constructor(what: string, field: string | undefined, detail: string) {
    super("FGS_INVALID_REQUEST", `invalid ${what}: ${field !== undefined ? `field "${field}": ` : ""}${detail}`);
    this.name = "InvalidRequestError";
    this.field = field;
  }
}

/** Validates a request body before anything is sent; throws `InvalidRequestError` naming the first bad field. */
export function checkRequest<S extends z.ZodType>(what: string, schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidRequestError(what, issue.path.length ? issue.path.join(".") : undefined, issue.message);
}
