/**
 * The FunctionGraph management API client (undici). Each call: validate the request body, sign (again on every
 * attempt, so `X-Sdk-Date` is fresh), send through the shared per-origin dispatcher with a per-attempt timeout,
 * retry per `retry-policy`, validate the response against the zod schema, or throw a typed error.
 *
 * Serialization-safe: no `#private` fields, no dispatcher or credential in module state — the credentials live
 * on the instance, which the dynamic provider creates at run time.
 */
import type { z } from "zod";
import { canonicalQuery } from "../auth/percent-encoding";
import { redactSecrets } from "../auth/redact";
import type { Credentials } from "../auth/resolve-target";
import { signRequest } from "../auth/sign-request";
import { dispatcherFor } from "./dispatcher-cache";
import {
  FunctionGraphError, InvalidRequestError, NetworkError, ResponseSchemaError, type NetworkFailureKind,
} from "./errors";
import {
  backoffDelay, DEFAULT_RETRY_BASE_DELAY_MS, isAmbiguous, maxRetriesFromEnv, shouldRetry,
} from "./retry-policy";
import {
  ErrorBodySchema, ExportFunctionResponseSchema, FunctionCodeSchema, FunctionModelSchema,
  ImportFunctionRequestSchema, ListFunctionsResponseSchema, PublishVersionRequestSchema,
  UpdateFunctionCodeRequestSchema, UpdateFunctionCodeResponseSchema, UpdateFunctionConfigRequestSchema,
  type ExportFunctionResponse, type FunctionCode, type FunctionModel, type ImportFunctionRequest,
  type PublishVersionRequest, type UpdateFunctionCodeRequest, type UpdateFunctionCodeResponse,
  type UpdateFunctionConfigRequest,
} from "./schemas";
import { normalizeUrn, urnPathSegment } from "./urn";

/** Default per-attempt timeout (ms): generous, an import uploads up to tens of MB. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** What `onRetry` is told before each backoff. Never contains a credential. */
export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  method: string;
  path: string;
  /** e.g. `HTTP 429 FSS.0429` or `network reset (ECONNRESET)`. */
  reason: string;
}

/** Client construction options. */
export interface FunctionGraphClientOptions {
  /** Absolute http(s) URL, e.g. `https://functiongraph.cn-north-4.myhuaweicloud.com`. */
  endpoint: string;
  projectId: string;
  credentials: Credentials;
  /** Retries after the first attempt (default `HW_MAX_RETRIES` or 5). */
  maxRetries?: number;
  /** Per-attempt timeout covering headers and body (default 120 s). */
  timeoutMs?: number;
  /** First backoff step; delays are full-jitter `[0, base·2^n)` capped at 30 s (default 1000 ms). */
  retryBaseDelayMs?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Test seam: how to wait (default `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
  /** Test seam: the clock that dates each signature (default `new Date()`). */
  now?: () => Date;
}

/**
 * `exportFunction`'s result. The body shape is undocumented [U]: a JSON `{file_name, code_url}` or the zip
 * itself, told apart by the response Content-Type.
 */
export type ExportedFunction =
  | { kind: "json"; body: ExportFunctionResponse }
  | { kind: "zip"; data: Buffer; contentType?: string };

/** One API call as the request loop needs it. */
interface CallSpec<S extends z.ZodType | undefined> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Below `/v2/{project_id}/fgs/functions`, e.g. `/import`; `""` for the collection. */
  sub: string;
  query?: [string, string][];
  body?: unknown;
  schema: S;
  /** Safe to repeat blindly after an ambiguous failure. */
  idempotent: boolean;
  /** Statuses that end the call successfully with `undefined` (e.g. 404 on delete). */
  absentOk?: number[];
  /** Return non-JSON 2xx bodies raw instead of validating (export). */
  rawUnlessJson?: boolean;
}

type Raw = { status: number; contentType?: string; data: Buffer; requestId?: string };

const NEVER_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT"]);
const CONNECTION_LOST = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]);
const TIMED_OUT = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** Maps a low-level failure to a kind, looking through `cause` chains. */
function classifyNetwork(err: unknown, timedOut: boolean): { kind: NetworkFailureKind; code?: string } {
  if (timedOut) return { kind: "timeout", code: "TIMEOUT" };
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    const code = typeof e.code === "string" ? e.code : undefined;
    if (!code) continue;
    if (NEVER_CONNECTED.has(code)) return { kind: "unreachable", code };
    if (CONNECTION_LOST.has(code)) return { kind: "reset", code };
    if (TIMED_OUT.has(code)) return { kind: "timeout", code };
  }
  return { kind: "other", code: (err as any)?.code };
}

const firstHeader = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The FunctionGraph API client: typed, validated, retrying, signing. */
export class FunctionGraphClient {
  private readonly base: URL;
  private readonly projectId: string;
  private readonly credentials: Credentials;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly retryBaseDelayMs: number;
  private readonly onRetry?: (info: RetryInfo) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly counters = { requests: 0, retries: 0 };

  constructor(opts: FunctionGraphClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.endpoint);
    } catch {
      throw new TypeError("endpoint must be an absolute http(s) URL");
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new TypeError("endpoint must use http or https");
    this.base = base;
    this.projectId = opts.projectId;
    this.credentials = opts.credentials;
    this.maxRetries = opts.maxRetries ?? maxRetriesFromEnv();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryBaseDelayMs = opts.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    this.onRetry = opts.onRetry;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = opts.now ?? (() => new Date());
  }

  /** `POST /import`: creates a function from an import package. Not idempotent (see `ambiguous` on errors). */
  async importFunction(req: ImportFunctionRequest): Promise<FunctionModel> {
    const body = checkRequest("import request", ImportFunctionRequestSchema, req);
    return this.call({ method: "POST", sub: "/import", body, schema: FunctionModelSchema, idempotent: false });
  }

  /** `GET /{urn}/config`: the function model (a name or short URN works too). */
  async getFunctionConfig(urnOrName: string): Promise<FunctionModel> {
    return this.call({ method: "GET", sub: `/${urnPathSegment(urnOrName)}/config`, schema: FunctionModelSchema, idempotent: true });
  }

  /** `GET /{urn}/code`: code metadata (`func_code.link` is a download URL; `file` is deprecated and empty). */
  async getFunctionCode(urn: string): Promise<FunctionCode> {
    return this.call({ method: "GET", sub: `/${urnPathSegment(urn)}/code`, schema: FunctionCodeSchema, idempotent: true });
  }

  /** `PUT /{urn}/code`: replaces the code. Idempotent (same body, same result), so retried like a GET. */
  async updateFunctionCode(urn: string, body: UpdateFunctionCodeRequest): Promise<UpdateFunctionCodeResponse> {
    const checked = checkRequest("update-code request", UpdateFunctionCodeRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${urnPathSegment(urn)}/code`, body: checked,
      schema: UpdateFunctionCodeResponseSchema, idempotent: true });
  }

  /** `PUT /{urn}/config`: replaces the configuration. Idempotent. */
  async updateFunctionConfig(urn: string, body: UpdateFunctionConfigRequest): Promise<FunctionModel> {
    const checked = checkRequest("update-config request", UpdateFunctionConfigRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${urnPathSegment(urn)}/config`, body: checked,
      schema: FunctionModelSchema, idempotent: true });
  }

  /**
   * `POST /{urn}/versions`: publishes a version. Not idempotent (a repeat creates another version or fails with
   * FSS.1016/FSS.1062), so like import it is not retried after an ambiguous failure.
   */
  async publishVersion(urn: string, body: PublishVersionRequest): Promise<FunctionModel> {
    const checked = checkRequest("publish-version request", PublishVersionRequestSchema, body);
    return this.call({ method: "POST", sub: `/${urnPathSegment(urn)}/versions`, body: checked,
      schema: FunctionModelSchema, idempotent: false });
  }

  /** `DELETE /{urn}` (`:latest` stripped, so the whole function goes). An absent function (404) counts as done. */
  async deleteFunction(urn: string): Promise<void> {
    await this.call({ method: "DELETE", sub: `/${urnPathSegment(normalizeUrn(urn))}`, schema: undefined,
      idempotent: true, absentOk: [404] });
  }

  /** `GET ?marker=&maxitems=&package_name=`: every function, following `next_marker` until the list ends. */
  async listFunctions(opts: { packageName?: string; pageSize?: number } = {}): Promise<FunctionModel[]> {
    const all: FunctionModel[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const query: [string, string][] = [["maxitems", String(opts.pageSize ?? 400)]];
      if (marker !== undefined) query.push(["marker", marker]);
      if (opts.packageName) query.push(["package_name", opts.packageName]);
      const res = await this.call({ method: "GET", sub: "", query, schema: ListFunctionsResponseSchema, idempotent: true });
      all.push(...res.functions);
      const next = res.next_marker == null ? undefined : String(res.next_marker);
      // The last page repeats the marker, returns nothing, or reaches `count`: all three end the walk.
      if (res.functions.length === 0 || next === undefined || next === "" || next === marker) break;
      if (typeof res.count === "number" && all.length >= res.count) break;
      marker = next;
    }
    return all;
  }

  /** `GET /{urn}/export?type=code|config`: the package as JSON `{file_name, code_url}` or zip bytes [U]. */
  async exportFunction(urn: string, opts: { type: "code" | "config" }): Promise<ExportedFunction> {
    return this.call({ method: "GET", sub: `/${urnPathSegment(urn)}/export`, query: [["type", opts.type]],
      schema: ExportFunctionResponseSchema, idempotent: true, rawUnlessJson: true }) as Promise<ExportedFunction>;
  }

  /** Attempts sent and retries made by this client so far. */
  stats(): { requests: number; retries: number } {
    return { ...this.counters };
  }

  /** Runs one call: the attempt loop with signing, retries, and response validation. */
  private async call<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
  ): Promise<S extends z.ZodType ? z.infer<S> : undefined> {
    const basePath = this.base.pathname.replace(/\/+$/, "");
    const pathname = `${basePath}/v2/${encodeURIComponent(this.projectId)}/fgs/functions${spec.sub}`;
    const search = spec.query?.length ? `?${canonicalQuery(spec.query)}` : "";
    const url = new URL(pathname + search, this.base.origin);
    const ctx = { method: spec.method, path: url.pathname };
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), "utf8");
    const mutating = spec.method !== "GET";

    for (let attempt = 1; ; attempt++) {
      let raw: Raw;
      try {
        raw = await this.send(url, spec.method, body);
      } catch (err) {
        const { kind, code } = classifyNetwork(err, (err as any)?.fgTimedOut === true);
        const failure = { network: kind };
        const detail = this.redact(kind === "timeout" ? `no complete response within ${this.timeoutMs} ms`
          : `${code ?? ""} ${(err as Error)?.message ?? String(err)}`.trim());
        if (shouldRetry(failure, spec.idempotent) && attempt <= this.maxRetries) {
          await this.backoff(attempt, ctx, `network ${kind}${code ? ` (${code})` : ""}`);
          continue;
        }
        throw new NetworkError({ ...ctx, kind, code, detail, ambiguous: isAmbiguous(failure, mutating) });
      }

      const { status, requestId } = raw;
      if (status >= 200 && status < 300) return this.parseSuccess(spec, raw, ctx) as any;
      if (spec.absentOk?.includes(status)) return undefined as any;

      const { errorCode, errorMsg } = this.parseErrorBody(raw);
      const failure = { status };
      if (shouldRetry(failure, spec.idempotent) && attempt <= this.maxRetries) {
        await this.backoff(attempt, ctx, `HTTP ${status}${errorCode ? ` ${errorCode}` : ""}`);
        continue;
      }
      throw new FunctionGraphError({ ...ctx, status, errorCode, errorMsg, requestId,
        ambiguous: isAmbiguous(failure, mutating) });
    }
  }

  /** One attempt: sign, send, read the whole body within the timeout. */
  private async send(url: URL, method: string, body: Buffer | undefined): Promise<Raw> {
    this.counters.requests++;
    const base: Record<string, string> = { "Content-Type": "application/json", "X-Project-Id": this.projectId };
    let headers: Record<string, string>;
    if (this.credentials.kind === "aksk") {
      if (this.credentials.securityToken) base["X-Security-Token"] = this.credentials.securityToken;
      headers = signRequest({ method, url, headers: base, body }, this.credentials, this.now());
    } else {
      headers = { ...base, "X-Auth-Token": this.credentials.authToken };
    }
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await dispatcherFor(url.origin).request({
        origin: url.origin, path: url.pathname + url.search, method: method as any, headers, body,
        signal: controller.signal, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
      });
      const data = Buffer.from(await res.body.arrayBuffer());
      return {
        status: res.statusCode, data,
        contentType: firstHeader(res.headers["content-type"]),
        requestId: firstHeader(res.headers["x-request-id"]),
      };
    } catch (err) {
      if (timedOut && err && typeof err === "object") (err as any).fgTimedOut = true;
      else if (timedOut) throw Object.assign(new Error("timeout"), { fgTimedOut: true });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Validates a 2xx body against the call's schema; errors name the first bad field. */
  private parseSuccess<S extends z.ZodType | undefined>(spec: CallSpec<S>, raw: Raw, ctx: { method: string; path: string }): unknown {
    const isJson = /json/i.test(raw.contentType ?? "") || /^\s*[{[]/.test(raw.data.subarray(0, 64).toString("utf8"));
    if (spec.rawUnlessJson && !isJson) return { kind: "zip", data: raw.data, contentType: raw.contentType };
    if (!spec.schema) return undefined;
    const fail = (field: string | undefined, detail: string) =>
      new ResponseSchemaError({ ...ctx, status: raw.status, requestId: raw.requestId, field, detail: this.redact(detail) });
    let json: unknown;
    try {
      json = JSON.parse(raw.data.toString("utf8"));
    } catch {
      throw fail(undefined, `body is not valid JSON (${raw.data.length} bytes)`);
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw fail(issue.path.length ? issue.path.join(".") : "(body)", issue.message);
    }
    return spec.rawUnlessJson ? { kind: "json", body: parsed.data } : parsed.data;
  }

  /** Reads `{error_code, error_msg}`; a non-JSON body (e.g. a proxy page) becomes a short text snippet. */
  private parseErrorBody(raw: Raw): { errorCode?: string; errorMsg: string } {
    const text = raw.data.toString("utf8");
    let parsed: ReturnType<typeof ErrorBodySchema.safeParse> | undefined;
    try {
      parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) return { errorCode: parsed.data.error_code, errorMsg: this.redact(parsed.data.error_msg) };
    const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
    return { errorMsg: this.redact(snippet ? `HTTP ${raw.status}: ${snippet}` : `HTTP ${raw.status}`) };
  }

  /** Waits the jittered backoff of a retry, reporting it first. */
  private async backoff(attempt: number, ctx: { method: string; path: string }, reason: string): Promise<void> {
    const delayMs = backoffDelay(attempt - 1, this.retryBaseDelayMs);
    this.counters.retries++;
    this.onRetry?.({ attempt, delayMs, ...ctx, reason });
    await this.sleep(delayMs);
  }

  /** Masks any credential value in text that came from outside (server messages, low-level errors). */
  private redact(text: string): string {
    return redactSecrets(text, this.credentials);
  }
}

/** Validates a request body before anything is sent; the error names the first bad field. */
function checkRequest<S extends z.ZodType>(what: string, schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidRequestError(what, issue.path.length ? issue.path.join(".") : undefined, issue.message);
}
