/**
 * Client-side invocation: `POST …/functions/{urn}/invocations` (sync, v1 with the log tail) and
 * `…/invocations-async`, signed like every other call — what `fgs invoke` and the demo use against the emulator
 * or the real service, through the provider's transport (transport.ts) with its FunctionGraph signer. Invocations
 * are not retried (a repeat would run the function twice), and a call that got no answer may have run; an API
 * error (not found, too large, auth) is a `FunctionGraphError`, a function failure is an answer with `ok: false`.
 */
import type { Target } from "../auth/resolve-target";
import { functionGraphSigner } from "../auth/sign-request";
import { FunctionGraphError, NetworkError } from "./errors";
import { firstHeader, Transport, type OutgoingRequest } from "./transport";
import { urnPathSegment } from "./urn";

/** How to invoke. */
export interface InvokeOptions {
  /** Run asynchronously: the answer is only the request id. */
  async?: boolean;
  /** Ask for the log tail (`X-Cff-Log-Type: tail`; sync only). Default true. */
  log?: boolean;
  /** Whole-call timeout, ms (default 15 minutes: a sync call lasts as long as the function's timeout). */
  timeoutMs?: number;
}

/** The answer of a sync invocation. */
export interface SyncInvocation {
  kind: "sync";
  requestId: string;
  /** False when the function failed (`X-Is-Func-Err: true`); `result` then holds `{errorMessage, errorType}`. */
  ok: boolean;
  /** The function's result text (its JSON). */
  result: string;
  /** The log tail (with `log`), else "". */
  log: string;
  /** `X-Func-Err-Code` (0 on success). */
  errorCode: string;
  billingDurationMs?: number;
}

/** The answer of an async invocation. */
export interface AsyncInvocation {
  kind: "async";
  requestId: string;
}

/** An invocation as the transport sends it (the URL is what the signature covers). */
type InvokeRequest = OutgoingRequest & { url: URL };

/**
 * Invokes the function `urn` (a full URN, `package:name`, or a name in package `default`; a version or `!alias`
 * qualifier is kept) with `event` (any JSON value).
 */
export async function invokeFunction(target: Pick<Target, "endpoint" | "projectId" | "credentials">, urn: string, event: unknown,
  opts: InvokeOptions = {}): Promise<SyncInvocation | AsyncInvocation> {
  const base = new URL(target.endpoint);
  const suffix = opts.async ? "invocations-async" : "invocations";
  const pathname = `${base.pathname.replace(/\/+$/, "")}/v2/${encodeURIComponent(target.projectId)}/fgs/functions/${urnPathSegment(urn)}/${suffix}`;
  const url = new URL(pathname, base.origin);
  const body = Buffer.from(JSON.stringify(event ?? {}), "utf8");
  const headers: Record<string, string> = { "Content-Type": "application/json", "X-Project-Id": target.projectId };
  if (!opts.async) {
    headers["X-CFF-Request-Version"] = "v1";
    if (opts.log !== false) headers["X-Cff-Log-Type"] = "tail";
  }
  const ctx = { method: "POST", path: url.pathname };
  const requestIdOf = (h: Record<string, string | string[] | undefined>) => firstHeader(h["x-cff-request-id"]) ?? firstHeader(h["x-request-id"]);
  const transport: Transport<InvokeRequest> = new Transport<InvokeRequest>({ maxRetries: 0, timeoutMs: opts.timeoutMs ?? 15 * 60 * 1000 }, {
    credentials: target.credentials,
    sign: functionGraphSigner(target.credentials),
    errors: {
      network: (_req, f) => new NetworkError({ ...ctx, kind: f.kind, code: f.code, detail: f.detail, ambiguous: true }),
      answer: (_req, a) => {
        const text = a.data.toString("utf8");
        let errorCode: string | undefined;
        let errorMsg = `HTTP ${a.status}: ${text.slice(0, 200)}`;
        try {
          const e = JSON.parse(text) as { error_code?: string; error_msg?: string };
          if (e.error_msg) [errorCode, errorMsg] = [e.error_code, e.error_msg];
        } catch {
          /* not JSON: keep the snippet */
        }
        return { code: errorCode, error: new FunctionGraphError({ ...ctx, status: a.status, errorCode, errorMsg: transport.redact(errorMsg), requestId: requestIdOf(a.headers) }) };
      },
    },
  });
  const res = (await transport.exchange({ method: "POST", url, origin: url.origin, path: url.pathname, retryPath: url.pathname, headers, body, idempotent: false }))!;
  const requestId = requestIdOf(res.headers);
  const data = res.data;
  const text = data.toString("utf8");
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new FunctionGraphError({ ...ctx, status: res.status, errorMsg: `the answer is not JSON (${data.length} bytes)`, requestId });
  }
  if (opts.async) return { kind: "async", requestId: String(parsed.request_id ?? requestId ?? "") };
  const errorCode = firstHeader(res.headers["x-func-err-code"]) ?? "0";
  const billing = Number(firstHeader(res.headers["x-cff-billing-duration"]));
  return {
    kind: "sync",
    requestId: String(parsed.request_id ?? requestId ?? ""),
    ok: firstHeader(res.headers["x-is-func-err"]) !== "true" && (errorCode === "0" || errorCode === ""),
    result: typeof parsed.result === "string" ? parsed.result : JSON.stringify(parsed.result ?? null),
    log: typeof parsed.log === "string" ? parsed.log : "",
    errorCode,
    billingDurationMs: Number.isFinite(billing) ? billing : undefined,
  };
}
