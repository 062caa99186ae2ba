/**
 * The FunctionGraph API handlers under `/v2/{project_id}/fgs/functions`, one per call (which request reaches
 * which, and under what operation name, is api-operations.ts's table). Handlers validate, mutate the store,
 * commit, and return the answer; they never touch the socket, so the server can apply faults around them.
 */
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import {
  ImportFunctionRequestSchema, PublishVersionRequestSchema, UpdateFunctionCodeFromObsRequestSchema,
  UpdateFunctionConfigRequestSchema, ListFunctionsResponseSchema,
} from "../../provider/api/schemas";
import type { CodeBodyScan } from "./code-body-scan";
import type { EmulatorContext } from "../context";
import { Errors } from "../http/errors";
import { buildExport } from "./export-package";
import { sleep } from "../http/http-io";
import { decodeBase64Range, ingestCodeUpload } from "./code-upload";
import { parseLargeJsonBody } from "./large-json-body";
import { readImportPackage } from "./import-package";
import { renderCode, renderModel } from "./model";
import {
  autoVersionName, configHash, makeImageName, newFunctionRecord, setHeadCode, touchHead,
  type FunctionRecord, type VersionRecord,
} from "../store/records";
import { releaseVersion } from "./version-release";
import { parseUrn, type FunctionRef } from "./urn";
import { applyConfigBody } from "./function-config";
import {
  parseJsonBody, validateBody, validateConfigRules, validateFunctionFields, type FunctionFields,
} from "./validation";
import { readCodeFromObs } from "../obs/code-from-obs";
import { verifyCode } from "../zip/check";

/** A parsed API request as handlers see it. */
export interface ApiRequest {
  method: string;
  /** The decoded URN path segment, when the route has one. */
  urn?: string;
  /** The decoded values of the route's path parameters (`{name}` in api-operations.ts). */
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** A code upload's Base64 decoded while it arrived (`PUT …/code` only). */
  scan?: CodeBodyScan;
}

/** A handler's answer: JSON, or raw bytes. */
export interface ApiResponse {
  status: number;
  json?: unknown;
  bytes?: { contentType: string; data: Buffer; headers?: Record<string, string> };
}

/** An operation's handler: validates, mutates the store, commits, answers. */
export type ApiHandler = (ctx: EmulatorContext, req: ApiRequest) => Promise<ApiResponse>;

interface Resolved {
  ref: FunctionRef;
  f: FunctionRecord;
  v?: VersionRecord;
}

function resolve(ctx: EmulatorContext, urn: string | undefined, notFound: (u: string) => Error): Resolved {
  const ref = parseUrn(urn ?? "", ctx.scope);
  const f = ctx.store.get(ref.package, ref.name);
  if (!f || ref.alias !== undefined) throw notFound(urn ?? "");
  if (ref.version === undefined) return { ref, f };
  const v = f.versions.find((x) => x.version === ref.version);
  if (!v) throw notFound(urn ?? "");
  return { ref, f, v };
}

function headOnly(r: Resolved): void {
  if (r.v) throw Errors.badRequest(`only the latest version can be modified, not '${r.v.version}'`);
}

/**
 * An import body's fields and its package, decoded: a large `file_code` is cut out of the parse and decoded in
 * slices into shared memory (code-upload.ts `decodeBase64Range`: the verification workers read it without a
 * copy), instead of `JSON.parse` building the text whole and the schema's Base64 check and decode walking it
 * again on the event loop. Any problem takes the whole-body path, which then throws exactly its error.
 */
function parseImportBody(raw: Buffer): { body: z.infer<typeof ImportFunctionRequestSchema>; decoded: Buffer } {
  try {
    const { value, range } = parseLargeJsonBody(raw, ["file_code"]);
    if (range) {
      const body = ImportFunctionRequestSchema.safeParse(value);
      // Refused text throws here, and the whole-body path reports it as the schema does.
      if (body.success) return { body: body.data, decoded: decodeBase64Range(raw, range, Infinity) };
    }
  } catch {
    // the whole-body path below gives this body's answer
  }
  const body = validateBody(ImportFunctionRequestSchema, parseJsonBody(raw));
  return { body, decoded: Buffer.from(body.file_code, "base64") };
}

/** The `importFunction` operation (api-operations.ts routes it). */
export async function importFunction(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { body, decoded } = parseImportBody(req.body);
  const pkg = body.package ?? "default";
  if (pkg === body.func_name) throw Errors.appEqualsFunction();
  const limit = ctx.options.limits.importPackageBytes;
  if (decoded.length > limit) throw Errors.importTooLarge(decoded.length, limit);
  const account = ctx.scope.domainId;
  if (ctx.importsInProgress.has(account)) throw Errors.busy();
  ctx.importsInProgress.add(account);
  try {
    if (ctx.store.get(pkg, body.func_name)) throw Errors.functionExists();
    if (ctx.store.count() >= ctx.options.limits.maxFunctions) throw Errors.quotaExceeded(ctx.options.limits.maxFunctions);
    if (ctx.options.limits.importDelayMs > 0) await sleep(ctx.options.limits.importDelayMs);
    const imported = await readImportPackage(decoded, body.func_name);
    if (ctx.store.get(pkg, body.func_name)) throw Errors.functionExists();
    const record = newFunctionRecord({
      package: pkg,
      name: body.func_name,
      config: imported.config,
      code: imported.code,
      digest: imported.digest,
      now: ctx.now(),
      ordinal: ctx.store.count(),
    });
    ctx.store.putBlob(record.digest, imported.code);
    ctx.store.put(record);
    await ctx.store.commit();
    return { status: 200, json: renderModel(ctx.scope, record) };
  } finally {
    ctx.importsInProgress.delete(account);
  }
}

/** The `getConfig` operation (api-operations.ts routes it). */
export async function getConfig(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.functionNotFound);
  return { status: 200, json: renderModel(ctx.scope, r.f, r.v, { latestSuffix: true, configExtras: true }) };
}

/** The `getCode` operation (api-operations.ts routes it). */
export async function getCode(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.codeNotFound);
  return { status: 200, json: renderCode(ctx.scope, r.f, r.v) };
}

/** The `updateCode` operation (api-operations.ts routes it). */
export async function updateCode(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.codeNotFound);
  headOnly(r);
  // `code_type: obs` (a small body): the package is read from the emulator's OBS (obs/code-from-obs.ts) and
  // checked with the bounded reader; inline code is decoded and verified off the event loop (code-upload.ts).
  let small: Record<string, unknown> | undefined;
  try {
    small = req.body.length <= 64 * 1024 ? parseJsonBody(req.body) as Record<string, unknown> : undefined;
  } catch {
    small = undefined; // ingestCodeUpload reports it
  }
  let code: Buffer;
  let sha512: string;
  let body: { code_type: string; code_url?: string; code_filename?: string; depend_version_list?: string[] };
  if (small?.code_type === "obs") {
    const obsBody = validateBody(UpdateFunctionCodeFromObsRequestSchema, small);
    code = await readCodeFromObs(ctx.obs?.store, ctx.obs?.url ?? "", obsBody.code_url, ctx.scope.region);
    sha512 = await verifyCode(code, "the object at code_url");
    body = obsBody;
  } else {
    const ingested = await ingestCodeUpload(req.body, ctx.options.limits.codeUploadBytes, req.scan);
    ({ code, sha512 } = ingested);
    body = { ...ingested.request, code_type: "zip" };
  }
  const f = ctx.store.get(r.f.package, r.f.name);
  if (!f) throw Errors.codeNotFound(req.urn ?? "");
  setHeadCode(f, code, ctx.now(), sha512);
  f.config.code_type = body.code_type === "obs" ? "obs" : "zip";
  f.config.code_url = body.code_type === "obs" ? body.code_url : undefined;
  f.config.code_filename = body.code_filename ?? f.config.code_filename;
  if (body.depend_version_list) f.config.depend_version_list = [...body.depend_version_list];
  ctx.store.putBlob(f.digest, code);
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderCode(ctx.scope, f) };
}

/** The `updateConfig` operation (api-operations.ts routes it). */
export async function updateConfig(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.functionNotFound);
  headOnly(r);
  const body = validateBody(UpdateFunctionConfigRequestSchema, parseJsonBody(req.body));
  validateFunctionFields(body as unknown as FunctionFields);
  // Every field of the property table present in the body is set (null clears it); `package`, `func_name`
  // and unknown fields are ignored: the app of a function cannot change.
  const next = structuredClone(r.f.config);
  applyConfigBody(next, body);
  validateConfigRules(next);
  const f = r.f;
  f.config = next;
  touchHead(f, ctx.now());
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderModel(ctx.scope, f, undefined, { latestSuffix: true, configExtras: true }) };
}

const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,41}$/;

/** The `publishVersion` operation (api-operations.ts routes it). */
export async function publishVersion(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.functionNotFound);
  headOnly(r);
  const body = validateBody(PublishVersionRequestSchema, req.body.length ? parseJsonBody(req.body) : {});
  const f = r.f;
  const now = ctx.now();
  if (body.digest !== undefined && body.digest !== "" && body.digest !== f.digest) {
    throw Errors.badRequest("digest: does not match the function's current code");
  }
  const name = body.version || autoVersionName(now);
  if (!VERSION_NAME.test(name) || name === "latest") throw Errors.badRequest(`version: invalid version name '${name}'`);
  // "Nothing changed" is judged before the name [U]: a retry of a publish whose answer was lost, within the
  // same second, would otherwise collide with its own auto-generated name.
  const hash = configHash(f.config);
  if (f.lastPublished && f.lastPublished.digest === f.digest && f.lastPublished.configHash === hash) throw Errors.nothingChanged();
  if (f.versions.some((v) => v.version === name)) throw Errors.versionExists(name);
  if (f.versions.length + 1 >= ctx.options.limits.maxVersions) throw Errors.versionQuota(ctx.options.limits.maxVersions);
  const v: VersionRecord = {
    version: name,
    description: body.description ?? "",
    config: structuredClone(f.config),
    digest: f.digest,
    codeSize: f.codeSize,
    lastModified: now,
    imageName: makeImageName(name, now),
  };
  f.versions.push(v);
  f.lastPublished = { digest: f.digest, configHash: hash };
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderModel(ctx.scope, f, v) };
}

/** The `listVersions` operation (api-operations.ts routes it). */
export async function listVersions(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.functionNotFound);
  const versions = [renderModel(ctx.scope, r.f), ...r.f.versions.map((v) => renderModel(ctx.scope, r.f, v))];
  return { status: 200, json: { versions, next_marker: versions.length, count: versions.length } };
}

/** The `deleteFunction` operation (api-operations.ts routes it). */
export async function deleteFunction(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.functionNotFound);
  if (r.v) {
    releaseVersion(r.f, r.v.version);
    r.f.versions = r.f.versions.filter((v) => v !== r.v);
    ctx.store.put(r.f);
  } else {
    ctx.store.remove(r.f.package, r.f.name);
  }
  await ctx.store.commit();
  return { status: 204 };
}

function intParam(q: URLSearchParams, name: string, min: number, max: number, dflt: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw Errors.badRequest(`${name}: expected an integer between ${min} and ${max}`);
  }
  return Number(raw);
}

/**
 * List: `marker` is an offset; `next_marker` is the offset after this page, equal to `count` (the number of
 * matching functions) on the last page [U: the real service's end-of-list marker is undocumented].
 */
export async function listFunctions(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const max = ctx.options.limits.maxListItems;
  const marker = intParam(req.query, "marker", 0, Number.MAX_SAFE_INTEGER, 0);
  const maxitems = intParam(req.query, "maxitems", 1, max, max);
  const pkg = req.query.get("package_name") || undefined;
  const nameFilter = req.query.get("func_name") || undefined;
  const all = ctx.store.list().filter((f) => (!pkg || f.package === pkg) && (!nameFilter || f.name.includes(nameFilter)));
  const page = all.slice(marker, marker + maxitems);
  const answer = {
    functions: page.map((f) => renderModel(ctx.scope, f)),
    next_marker: Math.min(marker + page.length, all.length),
    count: all.length,
  };
  ListFunctionsResponseSchema.parse(answer);
  return { status: 200, json: answer };
}

/**
 * Export: `type=code|config` or the `code=true` / `config=true` flags (neither: both). With `Accept:
 * application/zip` (or octet-stream) the zip is the body; otherwise the answer is `{file_name, code_url}` and
 * `code_url` downloads it without authentication [U: the real body shape is undocumented].
 */
export async function exportFunction(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = resolve(ctx, req.urn, Errors.functionNotFound);
  const type = req.query.get("type");
  const flag = (n: string) => {
    const v = req.query.get(n);
    if (v !== null && v !== "true" && v !== "false") throw Errors.badRequest(`${n}: expected true or false`);
    return v === "true";
  };
  let parts: { code: boolean; config: boolean };
  if (type !== null && type !== "") {
    if (type !== "code" && type !== "config") throw Errors.badRequest("type: expected code or config");
    parts = { code: type === "code", config: type === "config" };
  } else {
    parts = { code: flag("code"), config: flag("config") };
    if (!parts.code && !parts.config) parts = { code: true, config: true };
  }
  const config = r.v ? r.v.config : r.f.config;
  const code = ctx.store.blob(r.v ? r.v.digest : r.f.digest);
  if (!code) throw Errors.internal("code blob missing");
  const out = await buildExport(r.f.name, config, code, parts);
  const accept = String(req.headers.accept ?? "");
  if (/application\/(zip|octet-stream)/.test(accept)) {
    return { status: 200, bytes: { contentType: "application/zip", data: out.data, headers: { "Content-Disposition": `attachment; filename="${out.fileName}"` } } };
  }
  const token = randomBytes(12).toString("hex");
  ctx.downloads.set(token, { fileName: out.fileName, data: out.data });
  while (ctx.downloads.size > 50) ctx.downloads.delete(ctx.downloads.keys().next().value as string);
  return { status: 200, json: { file_name: out.fileName, code_url: `${ctx.baseUrl()}/__export/${token}/${encodeURIComponent(out.fileName)}` } };
}
