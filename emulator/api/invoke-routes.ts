/**
 * The invocation calls of the API (rows of api-operations.ts):
 * - `POST …/functions/{urn}/invocations` (sync): runs the event and answers with the function's raw result
 *   (`X-CFF-Request-Version: v0` or none) or `{request_id, result, log, status}` (v1, what the official SDK
 *   sends), with `X-Cff-Request-Id`, `X-Cff-Invoke-Summary`, `X-Cff-Function-Log` (with `X-Cff-Log-Type: tail`),
 *   `X-CFF-Billing-Duration`, `X-Cff-Response-Version`, `X-Func-Err-Code` and `X-Is-Func-Err`.
 * - `POST …/functions/{urn}/invocations-async`: 202 `{request_id}` at once; the call runs in the background and
 *   its outcome and log are kept (invocation-log.ts).
 * - `GET …/functions/{urn}/async-invocations` (the SDK's listAsyncInvocations): the async calls of the function
 *   with `request_id, status (RUNNING|SUCCESS|FAIL), error_code, error_message, start_time, end_time`; query
 *   `request_id`, `status`, `marker` (an offset), `limit` (1–100, default 10), newest first.
 * Limits: sync body 6 MB, async body 256 KB (413 FSS.0413); the body must be JSON (400 FSS.0400).
 * `X-Cff-Instance-Memory` runs the call with that memory size (on instances of that size).
 */
import type { EmulatorContext } from "../context";
import { ApiError, Errors } from "../http/errors";
import type { ApiRequest, ApiResponse } from "./routes";
import { invoke } from "../runtime/invoke";
import { INVOKE_LIMITS } from "../runtime/options";
import { runtimeOf } from "../runtime/registry";
import { resolveTarget, type InvokeTarget } from "../runtime/target";

/** The memory sizes `X-Cff-Instance-Memory` accepts (the function's sizes plus 8192 and 10240, per the SDK). */
const INSTANCE_MEMORY = [128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 8192, 10240];

/** `target` with the memory of `X-Cff-Instance-Memory` when given (400 for a size the service does not offer). */
function withInstanceMemory(req: ApiRequest, target: InvokeTarget): InvokeTarget {
  const raw = header(req, "X-Cff-Instance-Memory");
  if (raw === undefined || raw === "") return target;
  const n = Number(raw);
  if (!INSTANCE_MEMORY.includes(n)) throw Errors.badRequest(`X-Cff-Instance-Memory: expected one of ${INSTANCE_MEMORY.join(", ")}, not '${raw}'`);
  return { ...target, config: { ...target.config, memory_size: n } };
}

const header = (req: ApiRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** The event as compact JSON text (an empty body is `{}`), or 400 naming the problem. */
function eventText(body: Buffer): string {
  const text = body.toString("utf8");
  if (text.trim() === "") return "{}";
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (e) {
    throw Errors.badRequest(`the request body (the event) is not valid JSON: ${(e as Error).message}`);
  }
}

function tooLarge(n: number, max: number, what: string): ApiError {
  return new ApiError(413, "FSS.0413", `the ${what} request body is ${n} bytes, more than the ${max} allowed`);
}

/** The base64 of the last `n` bytes of `log`. */
function tailBase64(log: string, n: number): string {
  const b = Buffer.from(log, "utf8");
  return b.subarray(Math.max(0, b.length - n)).toString("base64");
}

/** Sync invocation. */
export async function invokeSync(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  if (req.body.length > INVOKE_LIMITS.syncPayloadBytes) throw tooLarge(req.body.length, INVOKE_LIMITS.syncPayloadBytes, "sync");
  const version = (header(req, "X-CFF-Request-Version") ?? "v0").toLowerCase();
  if (version !== "v0" && version !== "v1") throw Errors.badRequest(`X-CFF-Request-Version: expected v0 or v1, not '${version}'`);
  const logType = header(req, "X-Cff-Log-Type");
  if (logType !== undefined && logType !== "" && logType !== "tail") throw Errors.badRequest(`X-Cff-Log-Type: expected tail or nothing, not '${logType}'`);
  const tail = logType === "tail";
  const target = withInstanceMemory(req, resolveTarget(ctx, req.urn ?? ""));
  const event = eventText(req.body);
  const out = await invoke(ctx, runtimeOf(ctx), target, event, { kind: "sync" });
  const summary = {
    funcDigest: target.digest.slice(0, 32), duration: Number(out.durationMs.toFixed(3)), billingDuration: out.billingMs,
    memUsage: out.memoryMB, memorySize: target.config.memory_size, coldStart: out.coldStart, funcErrCode: out.code,
  };
  const headers: Record<string, string> = {
    "X-Cff-Request-Id": out.requestId,
    "X-Cff-Invoke-Summary": JSON.stringify(summary),
    "X-CFF-Billing-Duration": String(out.billingMs),
    "X-Cff-Response-Version": version,
    "X-Func-Err-Code": String(out.code),
    "X-Is-Func-Err": String(!out.ok),
  };
  if (tail) headers["X-Cff-Function-Log"] = tailBase64(out.log, INVOKE_LIMITS.logHeaderBytes);
  if (version === "v1") {
    const logText = tail ? Buffer.from(out.log, "utf8").subarray(-INVOKE_LIMITS.tailLogBytes).toString("utf8") : "";
    const body = { request_id: out.requestId, result: out.result.toString("utf8"), log: logText, status: out.ok ? 200 : out.code };
    return { status: 200, bytes: { contentType: "application/json;charset=UTF-8", data: Buffer.from(JSON.stringify(body), "utf8"), headers } };
  }
  return { status: 200, bytes: { contentType: "application/json;charset=UTF-8", data: out.result, headers } };
}

/** Async invocation: 202 at once, the call runs in the background. */
export async function invokeAsync(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  if (req.body.length > INVOKE_LIMITS.asyncPayloadBytes) throw tooLarge(req.body.length, INVOKE_LIMITS.asyncPayloadBytes, "async");
  const target = withInstanceMemory(req, resolveTarget(ctx, req.urn ?? ""));
  // The service's rule: HTTP functions are invoked synchronously only (through their APIG trigger).
  if (target.config.runtime === "http") throw Errors.badRequest("HTTP functions (runtime http) cannot be invoked asynchronously: invoke them synchronously or through their APIG trigger");
  const event = eventText(req.body);
  const requestId = await runtimeOf(ctx).startAsync(target, event);
  return {
    status: 202,
    bytes: { contentType: "application/json;charset=UTF-8", data: Buffer.from(JSON.stringify({ request_id: requestId })), headers: { "X-Cff-Request-Id": requestId } },
  };
}

const ASYNC_STATUS = { running: "RUNNING", succeeded: "SUCCESS", failed: "FAIL", timeout: "FAIL" } as const;

/** The async invocations of a function (newest first, paged by offset). */
export async function listAsyncInvocations(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const target = resolveTarget(ctx, req.urn ?? "");
  const q = req.query;
  const int = (name: string, min: number, max: number, dflt: number) => {
    const v = q.get(name);
    if (v === null || v === "") return dflt;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw Errors.badRequest(`${name}: expected an integer between ${min} and ${max}`);
    return Number(v);
  };
  const marker = int("marker", 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = int("limit", 1, 100, 10);
  const status = q.get("status") || undefined;
  if (status !== undefined && !["WAIT", "RUNNING", "SUCCESS", "FAIL", "DISCARD"].includes(status)) {
    throw Errors.badRequest("status: expected WAIT, RUNNING, SUCCESS, FAIL or DISCARD");
  }
  const requestId = q.get("request_id") || undefined;
  const all = runtimeOf(ctx).invocations.list({ function: `${target.f.package}/${target.f.name}`, requestId })
    .filter((r) => r.kind === "async")
    .map((r) => ({
      request_id: r.requestId, status: ASYNC_STATUS[r.status], error_code: r.error?.code ?? 0, error_message: r.error?.errorMessage ?? "",
      start_time: r.startTime, end_time: r.endTime ?? "",
    }))
    .filter((r) => status === undefined || r.status === status)
    .reverse();
  const page = all.slice(marker, marker + limit);
  return { status: 200, json: { invocations: page, count: all.length, next_marker: Math.min(marker + page.length, all.length) } };
}
