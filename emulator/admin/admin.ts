/**
 * The admin surface for tests and users: inspect and clear the request log, reset, seed functions directly
 * (e.g. to test adoption), change a function's code or config out-of-band (drift), and set faults. The same
 * operations are offered in-process (`AdminOperations`, used by the handle) and over HTTP under `/__admin/`
 * (admin-routes.ts: loopback clients with this run's admin token only, and no browser-style cross-origin
 * requests: admin-guard.ts). Admin requests are never logged and never faulted.
 */
import type { FunctionModel } from "../../provider/api/schemas";
import type { EmulatorContext } from "../context";
import { Errors } from "../http/errors";
import { zipFiles } from "../api/export-package";
import { formatFaultSpec, type FaultConfig } from "../http/faults";
import { verifyCode } from "../zip/check";
import { renderModel } from "../api/model";
import { newFunctionRecord, setHeadCode, touchHead, type FunctionConfig, type FunctionRecord } from "../store/records";
import type { RequestLogEntry, RequestLogFilter } from "../http/request-log";
import { parseUrn } from "../api/urn";
import { validateFunctionFields, validateFunctionName, validatePackageName } from "../api/validation";

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
    return this.save(record);
  }

  /** Replaces a function's code out-of-band (drift): digest, size and last_modified change. */
  async modifyCode(urn: string, code: Buffer): Promise<FunctionModel> {
    const f = this.find(urn);
    setHeadCode(f, code, this.ctx.now(), await verifyCode(code, "code"));
    this.ctx.store.putBlob(f.digest, code);
    return this.save(f);
  }

  /** Changes a function's config out-of-band (drift). */
  async modifyConfig(urn: string, patch: ConfigPatch): Promise<FunctionModel> {
    const f = this.find(urn);
    const next = { ...f.config, ...patch } as FunctionConfig;
    validateFunctionFields(next);
    f.config = next;
    touchHead(f, this.ctx.now());
    return this.save(f);
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

  /** Stores a changed record, commits, and answers its model. */
  private async save(f: FunctionRecord): Promise<FunctionModel> {
    this.ctx.store.put(f);
    await this.ctx.store.commit();
    return renderModel(this.ctx.scope, f);
  }

  private find(urn: string): FunctionRecord {
    const ref = parseUrn(urn, this.ctx.scope);
    const f = this.ctx.store.get(ref.package, ref.name);
    if (!f) throw Errors.functionNotFound(urn);
    return f;
  }
}
