/**
 * The FunctionGraph management API client. Each call: validate the request body, hand it to the shared
 * transport (transport.ts: signed by `functionGraphSigner` on every attempt, so `X-Sdk-Date` is fresh, sent with
 * its timeout and retried per `retry-policy`), validate the response against the zod schema, or throw a typed error.
 *
 * Serialization-safe: no `#private` fields, no dispatcher or credential in module state — the credentials live
 * on the instance, which the dynamic provider creates at run time — and the zod schemas are required at call
 * time (schemas-at-runtime.ts), so a provider that captures this class by value still serializes.
 */
import type { z } from "zod";
import { canonicalQuery } from "../auth/percent-encoding";
import type { Credentials } from "../auth/resolve-target";
import { InvalidArgumentError } from "../errors";
import { functionGraphSigner } from "../auth/sign-request";
import { base64JsonBody, codeUploadStream, type StreamedBody } from "./code-upload-stream";
import {
  checkRequest, FunctionGraphError, NetworkError, ResponseSchemaError,
} from "./errors";
import { firstHeader, Transport, type Answer, type OutgoingRequest, type TransportSettings } from "./transport";
import type { ImportPackage } from "./import-package";
import type {
  ExportFunctionResponse, FunctionCode, FunctionModel, ImportFunctionRequest, PublishVersionRequest,
  UpdateFunctionCodeRequest, UpdateFunctionCodeResponse, UpdateFunctionConfigRequest,
} from "./schemas";
import { schemas } from "./schemas-at-runtime";
import { normalizeUrn, urnPathSegment } from "./urn";

/** Client construction options: the target, and the transport's retry and timeout settings. */
export interface FunctionGraphClientOptions extends TransportSettings {
  /** Absolute http(s) URL, e.g. `https://functiongraph.cn-north-4.myhuaweicloud.com`. */
  endpoint: string;
  projectId: string;
  credentials: Credentials;
}

/**
 * `exportFunction`'s result. The body shape is undocumented [U]: a JSON `{file_name, code_url}` or the zip
 * itself, told apart by the response Content-Type.
 */
export type ExportedFunction =
  | { kind: "json"; body: ExportFunctionResponse }
  | { kind: "zip"; data: Buffer; contentType?: string };

/** One API call as the request loop needs it. */
export interface CallSpec<S extends z.ZodType | undefined> {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Below `/v2/{project_id}/fgs/functions` (or `root`), e.g. `/import`; `""` for the collection. */
  sub: string;
  /** The collection below `/v2/{project_id}` (default `/fgs/functions`; `/fgs/triggers`, `/fgs/dependencies`;
   *  the tags API uses `/functions`). */
  root?: string;
  query?: [string, string][];
  body?: unknown;
  /** A body already serialized, or streamed (large uploads: see `uploadFunctionCode`); wins over `body`. */
  rawBody?: Buffer | StreamedBody;
  schema: S;
  /** Safe to repeat blindly after an ambiguous failure. */
  idempotent: boolean;
  /** Statuses that end the call successfully with `undefined` (e.g. 404 on delete). */
  absentOk?: number[];
  /** Return non-JSON 2xx bodies raw instead of validating (export). */
  rawUnlessJson?: boolean;
}

/** What a call resolves to: the schema's output, or nothing for schema-less calls (delete). */
type CallResult<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** A FunctionGraph request: the transport's, plus the URL its signature covers. */
type FgsRequest = OutgoingRequest & { url: URL };

/** The FunctionGraph API client: typed, validated, retrying, signing. */
export class FunctionGraphClient {
  private readonly base: URL;
  private readonly projectId: string;
  private readonly transport: Transport<FgsRequest>;

  constructor(opts: FunctionGraphClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.endpoint);
    } catch {
      throw new InvalidArgumentError("endpoint must be an absolute http(s) URL");
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new InvalidArgumentError("endpoint must use http or https");
    this.base = base;
    this.projectId = opts.projectId;
    this.transport = new Transport<FgsRequest>(opts, {
      credentials: opts.credentials,
      sign: functionGraphSigner(opts.credentials),
      errors: {
        network: (req, f, ambiguous) => new NetworkError({ method: req.method, path: req.url.pathname, kind: f.kind, code: f.code, detail: f.detail, ambiguous,
          endpoint: req.origin, setting: "functiongraph" }),
        answer: (req, raw, ambiguous) => {
          const { errorCode, errorMsg } = this.parseErrorBody(raw);
          return { code: errorCode, error: new FunctionGraphError({ method: req.method, path: req.url.pathname, status: raw.status,
            errorCode, errorMsg, requestId: firstHeader(raw.headers["x-request-id"]), ambiguous }) };
        },
      },
    });
  }

  /** `POST /import`: creates a function from an import package. Not idempotent (see `ambiguous` on errors). */
  async importFunction(req: ImportFunctionRequest): Promise<FunctionModel> {
    const body = checkRequest("import request", schemas().ImportFunctionRequestSchema, req);
    return this.call({ method: "POST", sub: "/import", body, schema: schemas().FunctionModelSchema, idempotent: false });
  }

  /**
   * `POST /import` of an import package produced on demand (import-package.ts `importPackage`): the same request
   * as `importFunction` with `package` added, byte for byte, but `file_code` is streamed, its Base64 encoded slice
   * by slice on each attempt (code-upload-stream.ts), so the code zip, the package and their text are never
   * held whole. Not idempotent (see `ambiguous` on errors).
   */
  async importFunctionPackage(pkg: ImportPackage, packageName?: string): Promise<FunctionModel> {
    // The small fields are validated as usual, in the order the schema gives them; the Base64 is ours.
    const fields = checkRequest("import request", schemas().ImportFunctionRequestSchema, {
      ...pkg.fields, file_code: "", ...(packageName !== undefined ? { package: packageName } : {}),
    });
    const json = JSON.stringify(fields);
    const field = '"file_code":""';
    const at = json.indexOf(field);
    const rawBody = base64JsonBody(json.slice(0, at + field.length - 1), pkg, json.slice(at + field.length - 1));
    return this.call({ method: "POST", sub: "/import", rawBody, schema: schemas().FunctionModelSchema, idempotent: false });
  }

  /** `GET /{urn}/config`: the function model (a name or short URN works too). */
  async getFunctionConfig(urnOrName: string): Promise<FunctionModel> {
    return this.call({ method: "GET", sub: `/${urnPathSegment(urnOrName)}/config`, schema: schemas().FunctionModelSchema, idempotent: true });
  }

  /** `GET /{urn}/code`: code metadata (`func_code.link` is a download URL; `file` is deprecated and empty). */
  async getFunctionCode(urn: string): Promise<FunctionCode> {
    return this.call({ method: "GET", sub: `/${urnPathSegment(urn)}/code`, schema: schemas().FunctionCodeSchema, idempotent: true });
  }

  /** `PUT /{urn}/code`: replaces the code. Idempotent (same body, same result), so retried like a GET. */
  async updateFunctionCode(urn: string, body: UpdateFunctionCodeRequest): Promise<UpdateFunctionCodeResponse> {
    const checked = checkRequest("update-code request", schemas().UpdateFunctionCodeRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${urnPathSegment(urn)}/code`, body: checked,
      schema: schemas().UpdateFunctionCodeResponseSchema, idempotent: true });
  }

  /**
   * `PUT /{urn}/code` for a zip held in memory (whole, or as consecutive parts): the same request as
   * `updateFunctionCode`, but the JSON body is streamed, its Base64 encoded slice by slice on each attempt
   * (code-upload-stream.ts): the upload holds no copy of the zip's 4/3-size text.
   */
  async uploadFunctionCode(urn: string, zip: Buffer | readonly Uint8Array[] | { readonly size: number; pieces(): Iterable<Uint8Array> }, opts: { codeFilename: string; dependVersionList?: string[] }): Promise<UpdateFunctionCodeResponse> {
    // The small fields are validated as usual; the Base64 is ours, so it is valid by construction.
    checkRequest("update-code request", schemas().UpdateFunctionCodeRequestSchema, {
      code_type: "zip", code_filename: opts.codeFilename, func_code: { file: "" }, depend_version_list: opts.dependVersionList,
    });
    return this.call({ method: "PUT", sub: `/${urnPathSegment(urn)}/code`, rawBody: codeUploadStream(zip, opts),
      schema: schemas().UpdateFunctionCodeResponseSchema, idempotent: true });
  }

  /** `PUT /{urn}/code` with `code_type: obs`: the service reads the package from the object at `code_url`. Idempotent. */
  async updateFunctionCodeFromObs(urn: string, body: { code_url: string; code_filename?: string; depend_version_list?: string[] }): Promise<UpdateFunctionCodeResponse> {
    const checked = checkRequest("update-code request", schemas().UpdateFunctionCodeFromObsRequestSchema, { code_type: "obs", ...body });
    return this.call({ method: "PUT", sub: `/${urnPathSegment(urn)}/code`, body: checked,
      schema: schemas().UpdateFunctionCodeResponseSchema, idempotent: true });
  }

  /** `PUT /{urn}/config`: replaces the configuration. Idempotent. */
  async updateFunctionConfig(urn: string, body: UpdateFunctionConfigRequest): Promise<FunctionModel> {
    const checked = checkRequest("update-config request", schemas().UpdateFunctionConfigRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${urnPathSegment(urn)}/config`, body: checked,
      schema: schemas().FunctionModelSchema, idempotent: true });
  }

  /**
   * `POST /{urn}/versions`: publishes a version. Not idempotent (a repeat creates another version or fails with
   * FSS.1016/FSS.1062), so like import it is not retried after an ambiguous failure.
   */
  async publishVersion(urn: string, body: PublishVersionRequest): Promise<FunctionModel> {
    const checked = checkRequest("publish-version request", schemas().PublishVersionRequestSchema, body);
    return this.call({ method: "POST", sub: `/${urnPathSegment(urn)}/versions`, body: checked,
      schema: schemas().FunctionModelSchema, idempotent: false });
  }

  /** `GET /{urn}/versions`: the function's versions, `latest` included (one page: at most 20 exist). */
  async listVersions(urn: string): Promise<FunctionModel[]> {
    const res = await this.call({ method: "GET", sub: `/${urnPathSegment(normalizeUrn(urn))}/versions`,
      schema: schemas().ListVersionsResponseSchema, idempotent: true });
    return res.versions;
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
      const res = await this.call({ method: "GET", sub: "", query, schema: schemas().ListFunctionsResponseSchema, idempotent: true });
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
      schema: schemas().ExportFunctionResponseSchema, idempotent: true, rawUnlessJson: true }) as Promise<ExportedFunction>;
  }

  /** `PUT /{urn}/config-max-instance`: the most instances (-1: no limit). Idempotent. */
  async updateMaxInstanceConfig(urn: string, maxInstanceNum: number): Promise<FunctionModel> {
    const body = checkRequest("max-instance request", schemas().UpdateMaxInstanceRequestSchema, { max_instance_num: maxInstanceNum });
    return this.call({ method: "PUT", sub: `/${urnPathSegment(normalizeUrn(urn))}/config-max-instance`, body,
      schema: schemas().FunctionModelSchema, idempotent: true });
  }

  /** `GET /v2/{project_id}/functions/{urn}/tags`: the function's tags as a map. */
  async listTags(urn: string): Promise<Record<string, string>> {
    const res = await this.call({ method: "GET", root: "/functions", sub: `/${urnPathSegment(normalizeUrn(urn))}/tags`,
      schema: schemas().ListTagsResponseSchema, idempotent: true });
    return Object.fromEntries((res.tags ?? []).map((t) => [t.key, t.value ?? ""]));
  }

  /** `POST …/tags/create`: adds or overwrites tags. Idempotent (same tags, same result). */
  async createTags(urn: string, tags: Record<string, string>): Promise<void> {
    const body = checkRequest("create-tags request", schemas().TagsRequestSchema,
      { action: "create", tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
    await this.call({ method: "POST", root: "/functions", sub: `/${urnPathSegment(normalizeUrn(urn))}/tags/create`, body,
      schema: undefined, idempotent: true });
  }

  /** `DELETE …/tags/delete`: removes tags by key. Idempotent. */
  async deleteTags(urn: string, keys: string[]): Promise<void> {
    const body = checkRequest("delete-tags request", schemas().TagsRequestSchema,
      { action: "delete", tags: keys.map((key) => ({ key })) });
    await this.call({ method: "DELETE", root: "/functions", sub: `/${urnPathSegment(normalizeUrn(urn))}/tags/delete`, body,
      schema: undefined, idempotent: true });
  }

  /** `GET /{urn}/async-invoke-config`: the async-invocation settings, `undefined` when never set (404). */
  async getAsyncInvokeConfig(urn: string): Promise<Record<string, unknown> | undefined> {
    return this.call({ method: "GET", sub: `/${urnPathSegment(normalizeUrn(urn))}/async-invoke-config`,
      schema: schemas().AsyncInvokeConfigSchema, idempotent: true, absentOk: [404] });
  }

  /** `PUT /{urn}/async-invoke-config`: replaces the async-invocation settings. Idempotent. */
  async updateAsyncInvokeConfig(urn: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const checked = checkRequest("async-invoke-config request", schemas().AsyncInvokeConfigRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${urnPathSegment(normalizeUrn(urn))}/async-invoke-config`, body: checked,
      schema: schemas().AsyncInvokeConfigSchema, idempotent: true });
  }

  /** `DELETE /{urn}/async-invoke-config`: removes the async-invocation settings. Idempotent. */
  async deleteAsyncInvokeConfig(urn: string): Promise<void> {
    await this.call({ method: "DELETE", sub: `/${urnPathSegment(normalizeUrn(urn))}/async-invoke-config`,
      schema: undefined, idempotent: true, absentOk: [404] });
  }

  /** `PUT /{urn:qualifier}/reservedinstances`: the reserved instances of a version or alias. Idempotent. */
  async updateReservedInstances(qualifiedUrn: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const checked = checkRequest("reserved-instances request", schemas().ReservedInstancesRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${urnPathSegment(qualifiedUrn)}/reservedinstances`, body: checked,
      schema: schemas().ReservedInstancesSchema, idempotent: true });
  }

  /** `GET /reservedinstances?urn=`: the reserved-instance counts by qualified URN. */
  async listReservedInstances(urn: string): Promise<Record<string, number>> {
    const res = await this.call({ method: "GET", sub: "/reservedinstances", query: [["urn", normalizeUrn(urn)]],
      schema: schemas().ListReservedInstancesResponseSchema, idempotent: true });
    return Object.fromEntries(res.reservedinstances.map((r) => [r.func_urn, r.count]));
  }

  /** Attempts sent and retries made by this client so far. */
  stats(): { requests: number; retries: number } {
    const { requests, retries } = this.transport.stats();
    return { requests, retries };
  }

  /** Runs one call: builds the request, exchanges it through the transport, validates the response. */
  protected async call<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
  ): Promise<CallResult<S>> {
    const basePath = this.base.pathname.replace(/\/+$/, "");
    const pathname = `${basePath}/v2/${encodeURIComponent(this.projectId)}${spec.root ?? "/fgs/functions"}${spec.sub}`;
    const search = spec.query?.length ? `?${canonicalQuery(spec.query)}` : "";
    const url = new URL(pathname + search, this.base.origin);
    const body = spec.rawBody ?? (spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), "utf8"));
    const raw = await this.transport.exchange({ method: spec.method, url, origin: url.origin, path: url.pathname + url.search,
      retryPath: url.pathname, headers: { "Content-Type": "application/json", "X-Project-Id": this.projectId },
      body, idempotent: spec.idempotent, absentOk: spec.absentOk });
    if (raw === undefined) return undefined as CallResult<S>;
    return this.parseSuccess(spec, raw, { method: spec.method, path: url.pathname }) as CallResult<S>;
  }

  /** Validates a 2xx body against the call's schema; errors name the first bad field. */
  private parseSuccess<S extends z.ZodType | undefined>(spec: CallSpec<S>, raw: Answer, ctx: { method: string; path: string }): unknown {
    const contentType = firstHeader(raw.headers["content-type"]);
    const requestId = firstHeader(raw.headers["x-request-id"]);
    const isJson = /json/i.test(contentType ?? "") || /^\s*[{[]/.test(raw.data.subarray(0, 64).toString("utf8"));
    if (spec.rawUnlessJson && !isJson) return { kind: "zip", data: raw.data, contentType };
    if (!spec.schema) return undefined;
    const fail = (field: string | undefined, detail: string) =>
      new ResponseSchemaError({ ...ctx, status: raw.status, requestId, field, detail: this.transport.redact(detail) });
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
  private parseErrorBody(raw: Answer): { errorCode?: string; errorMsg: string } {
    const text = raw.data.toString("utf8");
    let parsed: ReturnType<ReturnType<typeof schemas>["ErrorBodySchema"]["safeParse"]> | undefined;
    try {
      parsed = schemas().ErrorBodySchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) return { errorCode: parsed.data.error_code, errorMsg: this.transport.redact(parsed.data.error_msg) };
    const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
    return { errorMsg: this.transport.redact(snippet ? `HTTP ${raw.status}: ${snippet}` : `HTTP ${raw.status}`) };
  }
}

/** Base64 is encoded this many input bytes at a time (a multiple of 3, so chunks join without padding). */
const BASE64_CHUNK = 3 * 256 * 1024;

/** The `PUT …/code` JSON body as bytes, Base64 written chunk by chunk into one preallocated Buffer. */
export function codeUploadBody(zip: Buffer, opts: { codeFilename: string; dependVersionList?: string[] }): Buffer {
  const head = Buffer.from(`{"code_type":"zip","code_filename":${JSON.stringify(opts.codeFilename)},"func_code":{"file":"`);
  const tail = Buffer.from(`"}${opts.dependVersionList ? `,"depend_version_list":${JSON.stringify(opts.dependVersionList)}` : ""}}`);
  const encodedLength = 4 * Math.ceil(zip.length / 3);
  const out = Buffer.allocUnsafe(head.length + encodedLength + tail.length);
  let at = head.copy(out, 0);
  for (let i = 0; i < zip.length; i += BASE64_CHUNK) {
    at += out.write(zip.subarray(i, i + BASE64_CHUNK).toString("base64"), at, "latin1");
  }
  tail.copy(out, at);
  return out;
}
