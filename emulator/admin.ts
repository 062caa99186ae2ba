/**
 * The admin surface for tests and users: inspect and clear the request log, reset, seed functions directly
 * (e.g. to test adoption), change a function's code or config out-of-band (drift), and set faults. The same
 * operations are offered in-process (`AdminOperations`, used by the handle) and over HTTP under `/__admin/`
 * (loopback clients with this run's admin token only, and no browser-style cross-origin requests: admin-guard.ts). Admin
 * requests are never logged and never faulted.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FunctionModel } from "../provider/api/schemas";
import type { EmulatorContext } from "./context";
import { ApiError, Errors } from "./errors";
import { zipFiles } from "./export-package";
import { formatFaultSpec, type FaultConfig } from "./faults";
import { checkAdminRequest } from "./admin-guard";
import { admitBody, bodyCapFor } from "./body-intake";
import { decodeSegment, sendBytes, sendJson } from "./http-io";
import { verifyCode } from "./zip/check";
import { renderModel } from "./model";
import { newFunctionRecord, setHeadCode, touchHead, type FunctionConfig, type FunctionRecord } from "./records";
import type { RequestLogEntry, RequestLogFilter } from "./request-log";
import { parseUrn } from "./urn";
import { validateFunctionFields, validateFunctionName, validatePackageName } from "./validation";

/** A function to create directly, bypassing the API (defaults: package `default`, Node.js18.15, index.handler, 128 MB, 3 s). */
export interface SeedFunctionInput {
  func_name: string;
  package?: string;
  runtime?: string;
  handler?: string;
  memory_size?: number;
  timeout?: number;
  description?: string;
  /** A JSON string, or an object of environment variables. */
  user_data?: string | Record<string, string>;
  code_filename?: string;
  /** The code zip; default a one-file zip holding `index.js`. */
  code?: Buffer;
}

/** A config change applied out-of-band (drift). */
export type ConfigPatch = Partial<Omit<FunctionConfig, "code_type" | "depend_version_list">>;

/** The fault settings as both a SPEC string and a config. */
export interface FaultState {
  spec: string;
  config: FaultConfig;
}

/** What `GET /__admin/` lists: every admin endpoint (every request needs `X-Fgs-Admin: <admin token>`; see admin-guard.ts). */
export const ADMIN_INDEX = [
  "GET /__admin/health", "GET /__admin/requests?operation=&method=&writesOnly=true", "DELETE /__admin/requests",
  "POST /__admin/reset", "GET /__admin/functions", "POST /__admin/functions (seed a function)",
  "GET /__admin/functions/{urn}/code", "PUT /__admin/functions/{urn}/code (drift: replace the code)",
  "PATCH /__admin/functions/{urn}/config (drift: change settings)", "DELETE /__admin/functions/{urn}",
  "GET /__admin/faults", "PUT /__admin/faults", "DELETE /__admin/faults",
  "GET /__admin/invocations?function=&requestId=&since=&waitMs=", "GET|POST /__admin/timers", "DELETE /__admin/timers/{id}",
] as const;

/** The admin operations, shared by the handle and the HTTP surface. Errors are thrown as `ApiError`. */
export class AdminOperations {
  constructor(readonly ctx: EmulatorContext) {}

  /** Logged API requests, optionally filtered. */
  requests(filter?: RequestLogFilter): RequestLogEntry[] {
    return this.ctx.log.list(filter);
  }

  /** Empties the request log. */
  clearLog(): void {
    this.ctx.log.clear();
  }

  /** Deletes every function and blob (persisted when a data dir is used), clears the log and the faults. */
  async reset(): Promise<void> {
    this.ctx.log.clear();
    this.ctx.faults.set(null);
    this.ctx.downloads.clear();
    await this.ctx.store.clear();
    await this.ctx.dependencies.clear();
  }

  /** Creates a function directly (no auth, no quota, no import slot); 409 FSS.1061 when it exists. */
  async seedFunction(input: SeedFunctionInput): Promise<FunctionModel> {
    const pkg = input.package ?? "default";
    validateFunctionName(input.func_name);
    validatePackageName(pkg);
    if (this.ctx.store.get(pkg, input.func_name)) throw Errors.functionExists();
    const userData = typeof input.user_data === "object" ? JSON.stringify(input.user_data) : input.user_data ?? "";
    const config: FunctionConfig = {
      runtime: input.runtime ?? "Node.js18.15",
      handler: input.handler ?? "index.handler",
      memory_size: input.memory_size ?? 128,
      timeout: input.timeout ?? 3,
      description: input.description ?? "",
      user_data: userData,
      code_type: "zip",
      code_filename: input.code_filename ?? "code.zip",
      depend_version_list: [],
    };
    validateFunctionFields(config);
    const code = input.code ?? (await zipFiles([{ name: "index.js", data: "exports.handler = async () => 'ok';\n" }]));
    const digest = await verifyCode(code, "code");
    const record = newFunctionRecord({
      package: pkg, name: input.func_name, config, code, digest, now: this.ctx.now(), ordinal: this.ctx.store.count(),
    });
    this.ctx.store.putBlob(record.digest, code);
    this.ctx.store.put(record);
    await this.ctx.store.commit();
    return renderModel(this.ctx.scope, record);
  }

  /** Replaces a function's code out-of-band (drift): digest, size and last_modified change. */
  async modifyCode(urn: string, code: Buffer): Promise<FunctionModel> {
    const f = this.find(urn);
    setHeadCode(f, code, this.ctx.now(), await verifyCode(code, "code"));
    this.ctx.store.putBlob(f.digest, code);
    this.ctx.store.put(f);
    await this.ctx.store.commit();
    return renderModel(this.ctx.scope, f);
  }

  /** Changes a function's config out-of-band (drift). */
  async modifyConfig(urn: string, patch: ConfigPatch): Promise<FunctionModel> {
    const f = this.find(urn);
    const next = { ...f.config, ...patch } as FunctionConfig;
    validateFunctionFields(next);
    f.config = next;
    touchHead(f, this.ctx.now());
    this.ctx.store.put(f);
    await this.ctx.store.commit();
    return renderModel(this.ctx.scope, f);
  }

  /** Deletes a function out-of-band; false when it was absent. */
  async removeFunction(urn: string): Promise<boolean> {
    const ref = parseUrn(urn, this.ctx.scope);
    const removed = this.ctx.store.remove(ref.package, ref.name);
    await this.ctx.store.commit();
    return removed;
  }

  /** Every function's model (head). */
  functions(): FunctionModel[] {
    return this.ctx.store.list().map((f) => renderModel(this.ctx.scope, f));
  }

  /** A copy of a function's stored config (head), write-only fields included — what the service keeps but never returns. */
  storedConfig(urn: string): Record<string, unknown> | undefined {
    const ref = parseUrn(urn, this.ctx.scope);
    const f = this.ctx.store.get(ref.package, ref.name);
    return f ? structuredClone(f.config) as Record<string, unknown> : undefined;
  }

  /** The stored code zip of a function (head, or the version a URN names). */
  code(urn: string): Buffer | undefined {
    const ref = parseUrn(urn, this.ctx.scope);
    const f = this.ctx.store.get(ref.package, ref.name);
    if (!f) return undefined;
    const digest = ref.version === undefined ? f.digest : f.versions.find((v) => v.version === ref.version)?.digest;
    return digest === undefined ? undefined : this.ctx.store.blob(digest);
  }

  /** Replaces the faults (SPEC string, config, or null for none); throws `Error` on a bad spec. */
  setFaults(spec: FaultConfig | string | null): FaultState {
    this.ctx.faults.set(spec);
    return this.faults();
  }

  /** The current faults. */
  faults(): FaultState {
    const config = this.ctx.faults.current();
    return { spec: formatFaultSpec(config), config };
  }

  private find(urn: string): FunctionRecord {
    const ref = parseUrn(urn, this.ctx.scope);
    const f = this.ctx.store.get(ref.package, ref.name);
    if (!f) throw Errors.functionNotFound(urn);
    return f;
  }
}

/** True for 127.0.0.0/8 and ::1 (also as IPv4-mapped). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, "");
  return a === "::1" || /^127\./.test(a);
}

function adminError(status: number, msg: string): ApiError {
  return new ApiError(status, `ADMIN.0${status}`, msg);
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const v = JSON.parse(body.toString("utf8") || "{}");
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw adminError(400, "expected a JSON object body");
}

function decodeB64(value: unknown, field: string): Buffer {
  if (typeof value !== "string") throw adminError(400, `${field}: expected Base64 text`);
  return Buffer.from(value, "base64");
}

/**
 * Serves `/__admin/…`:
 *   GET /__admin/health · GET|DELETE /__admin/requests (?operation=&method=&writesOnly=true) · POST /__admin/reset
 *   GET|POST /__admin/functions (POST body: SeedFunctionInput with `code` as Base64)
 *   GET|PUT /__admin/functions/{urn}/code (PUT body `{file: base64}`) · PATCH /__admin/functions/{urn}/config
 *   DELETE /__admin/functions/{urn} · GET|PUT|DELETE /__admin/faults (PUT body `{spec}` or a FaultConfig)
 */
export async function handleAdmin(ops: AdminOperations, req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<void> {
  let releaseBody = () => {};
  try {
    if (!isLoopback(req.socket.remoteAddress)) throw adminError(403, "the admin surface answers loopback clients only");
    checkAdminRequest(req, ops.ctx.options.adminToken);
    const admitted = await admitBody(req, res, bodyCapFor("updateCode", ops.ctx.options.limits), ops.ctx.bodyBudget, () => adminError(413, "the body is larger than the admin surface accepts"));
    releaseBody = admitted.release;
    const body = admitted.body;
    const segs = rawPath.split("/").slice(2).map(decodeSegment);
    const method = req.method ?? "GET";
    const [area, urn, sub] = segs;
    const route = `${method} ${area ?? ""}${urn !== undefined ? "/*" : ""}${sub !== undefined ? `/${sub}` : ""}`;
    switch (route) {
      case "GET ": return sendJson(res, 200, { endpoints: ADMIN_INDEX });
      case "GET health": return sendJson(res, 200, { ok: true });
      case "GET requests": {
        const filter: RequestLogFilter = {};
        if (query.get("operation")) filter.operation = query.get("operation")!;
        if (query.get("method")) filter.method = query.get("method")!;
        if (query.get("writesOnly") === "true") filter.writesOnly = true;
        return sendJson(res, 200, { requests: ops.requests(filter) });
      }
      case "DELETE requests": ops.clearLog(); return sendJson(res, 204);
      case "POST reset": await ops.reset(); return sendJson(res, 204);
      case "GET functions": return sendJson(res, 200, { functions: ops.functions() });
      case "POST functions": {
        const input = parseJson(body) as unknown as SeedFunctionInput & { code?: unknown };
        const code = input.code === undefined ? undefined : decodeB64(input.code, "code");
        return sendJson(res, 200, await ops.seedFunction({ ...input, code }));
      }
      case "GET functions/*/code": {
        const code = ops.code(urn);
        if (!code) throw Errors.functionNotFound(urn);
        return sendBytes(res, 200, "application/zip", code);
      }
      case "PUT functions/*/code": return sendJson(res, 200, await ops.modifyCode(urn, decodeB64(parseJson(body).file, "file")));
      case "PATCH functions/*/config": return sendJson(res, 200, await ops.modifyConfig(urn, parseJson(body) as ConfigPatch));
      case "DELETE functions/*": {
        if (!(await ops.removeFunction(urn))) throw Errors.functionNotFound(urn);
        return sendJson(res, 204);
      }
      case "GET faults": return sendJson(res, 200, ops.faults());
      case "PUT faults": {
        const b = parseJson(body);
        try {
          return sendJson(res, 200, ops.setFaults(typeof b.spec === "string" ? b.spec : (b as FaultConfig)));
        } catch (err) {
          throw adminError(400, err instanceof Error ? err.message : String(err));
        }
      }
      case "DELETE faults": ops.setFaults(null); return sendJson(res, 204);
      default: throw adminError(404, `no admin route ${method} ${rawPath}`);
    }
  } catch (err) {
    const e = err instanceof ApiError ? err : adminError(500, err instanceof Error ? err.message : String(err));
    sendJson(res, e.status, e.body());
  } finally {
    releaseBody();
  }
}
