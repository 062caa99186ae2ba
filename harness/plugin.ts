/**
 * The dynamic-provider plugin: spawns the real `@pulumi/pulumi/cmd/dynamic-provider` process the way the engine
 * does (cwd = the project directory, `PULUMI_NODEJS_PROJECT`, the gRPC port on the first stdout line) and wraps its
 * ResourceProvider gRPC service in promise-returning calls with plain-JSON property maps.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import type { PropertyMap } from "./wire";
import { FgsError } from "../provider/errors";

/* The gRPC stubs shipped with the SDK and the google-protobuf it shares (pinned so the two de-duplicate). */
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

/** A failure the harness explains itself (no stack trace worth showing): wrong directory, missing modules. */
export class HarnessError extends FgsError {
  override name = "HarnessError";
  constructor(message: string) {
    super("FGS_HARNESS", message);
  }
}

/**
 * A create/update that failed after the resource came into being (the provider threw an error carrying `id` and
 * `properties`; the plugin reports it as `ErrorResourceInitFailed`). The engine keeps such a resource in state.
 */
export class ResourceInitError extends FgsError {
  override name = "ResourceInitError";
  constructor(message: string, readonly id: string, readonly properties: PropertyMap, readonly reasons: string[]) {
    super("FGS_RESOURCE_INIT", message);
  }
}

/** What Diff answered: `changes` is the plugin's DIFF_SOME / DIFF_NONE / DIFF_UNKNOWN. */
export interface DiffResponse {
  changes: "some" | "none" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** One call the harness made to the plugin; tests read this log to prove what ran (e.g. no Create on a re-run). */
export interface PluginCall {
  method: "Configure" | "Check" | "Diff" | "Create" | "Update" | "Read" | "Delete";
  urn?: string;
}

/** Options for {@link startPlugin}. */
export interface PluginOptions {
  /** The directory the plugin runs in; its node_modules must resolve `@pulumi/pulumi` and the provider's modules. */
  cwd: string;
  /** The project name (`PULUMI_NODEJS_PROJECT`), used by `req.config.get("key")` in `configure`. */
  project: string;
  /** Extra environment for the plugin process. */
  env?: Record<string, string>;
  /** Receives the plugin's stdout/stderr lines (provider progress output). Default: process.stderr. */
  onOutput?: (line: string) => void;
}

/** A running plugin process and its gRPC client. */
export interface Plugin {
  readonly port: number;
  /** The plugin process id (tests kill it to simulate an interrupted deployment). */
  readonly pid: number | undefined;
  /** Every call made so far, in order. */
  readonly calls: PluginCall[];
  configure(args: PropertyMap): Promise<void>;
  check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<{ inputs: PropertyMap; failures: { property: string; reason: string }[] }>;
  diff(urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): Promise<DiffResponse>;
  create(urn: string, news: PropertyMap): Promise<{ id: string; properties: PropertyMap }>;
  update(urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): Promise<PropertyMap>;
  read(urn: string, id: string, properties: PropertyMap, inputs: PropertyMap): Promise<{ id: string; properties: PropertyMap; inputs?: PropertyMap }>;
  delete(urn: string, id: string, properties: PropertyMap, oldInputs: PropertyMap): Promise<void>;
  /** Closes the client and ends the process. */
  close(): Promise<void>;
}

const WRONG_CWD_HINT =
  "run from the project directory (the one whose node_modules has @pulumi/pulumi and the program's modules), " +
  "or run `npm install` there";

/** Finds the plugin entry point as the engine would: `@pulumi/pulumi` resolved from the plugin's directory. */
export function resolvePluginEntry(cwd: string): string {
  try {
    return require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [path.resolve(cwd)] });
  } catch {
    throw new HarnessError(
      `the dynamic-provider plugin cannot start in ${path.resolve(cwd)}: @pulumi/pulumi is not installed there; ${WRONG_CWD_HINT}`,
    );
  }
}

/** Starts the plugin process and connects a gRPC client to the port it prints. */
export async function startPlugin(opts: PluginOptions): Promise<Plugin> {
  const entry = resolvePluginEntry(opts.cwd);
  const out = opts.onOutput ?? ((line: string) => process.stderr.write(line + "\n"));
  const child = spawn(process.execPath, [entry, "127.0.0.1:1"], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, PULUMI_NODEJS_PROJECT: opts.project },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let port: number;
  try {
    port = await readPort(child, out);
  } catch (e) {
    child.kill(); // it printed something other than a port, or failed to start: do not leave it running
    throw e;
  }
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
  });
  return new GrpcPlugin(child, client, port, opts.cwd);
}

/** Resolves with the port on the plugin's first stdout line; every later line (and stderr) goes to `out`. */
function readPort(child: ChildProcess, out: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const stderr: string[] = [];
    let port = 0;
    readline.createInterface({ input: child.stderr! }).on("line", (line) => (port ? out(line) : stderr.push(line)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (port) return out(line);
      port = Number(line.trim());
      if (Number.isInteger(port) && port > 0) {
        stderr.forEach(out);
        resolve(port);
      } else reject(new HarnessError(`the dynamic-provider plugin printed ${JSON.stringify(line)} instead of its port`));
    });
    child.once("error", (e) => reject(new HarnessError(`cannot start the dynamic-provider plugin: ${e.message}`)));
    child.once("exit", (code) =>
      reject(new HarnessError(`the dynamic-provider plugin exited (code ${code}) before listening: ${stderr.join("\n")}`)),
    );
  });
}

const struct = (o: PropertyMap) => structproto.Struct.fromJavaScript(o);
const js = (s: { toJavaScript(): PropertyMap } | undefined): PropertyMap => (s ? s.toJavaScript() : {});

class GrpcPlugin implements Plugin {
  readonly calls: PluginCall[] = [];
  get pid(): number | undefined {
    return this.child.pid;
  }
  constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    readonly port: number,
    private readonly cwd: string,
  ) {}

  private call<T>(method: PluginCall["method"], urn: string | undefined, req: unknown): Promise<any> {
    this.calls.push(urn === undefined ? { method } : { method, urn });
    const rpc = method.charAt(0).toLowerCase() + method.slice(1);
    return new Promise<T>((resolve, reject) => {
      this.client[rpc](req, (err: grpc.ServiceError | null, resp: T) => (err ? reject(this.explain(method, err)) : resolve(resp)));
    });
  }

  /** Turns a gRPC error into ResourceInitError, a HarnessError for unresolvable modules, or a plain Error. */
  private explain(method: string, err: grpc.ServiceError): Error {
    const message = err.details || err.message;
    const init = initFailure(err);
    if (init) return new ResourceInitError(message, init.id, init.properties, init.reasons);
    const missing = /Cannot find module '([^']+)'/.exec(message);
    if (missing) {
      return new HarnessError(
        `the dynamic-provider plugin running in ${path.resolve(this.cwd)} cannot load module '${missing[1]}' that ` +
          `the provider needs; ${WRONG_CWD_HINT}`,
      );
    }
    return new Error(`${method}: ${message}`);
  }

  async configure(args: PropertyMap): Promise<void> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(struct(args));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    await this.call("Configure", undefined, req);
  }

  async check(urn: string, olds: PropertyMap, news: PropertyMap) {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const resp = await this.call("Check", urn, req);
    const failures = (resp.getFailuresList() as { getProperty(): string; getReason(): string }[]).map((f) => ({
      property: f.getProperty(),
      reason: f.getReason(),
    }));
    return { inputs: js(resp.getInputs()), failures };
  }

  async diff(urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): Promise<DiffResponse> {
    const resp = await this.call("Diff", urn, changeRequest(provproto.DiffRequest, urn, id, olds, news, oldInputs));
    const C = provproto.DiffResponse.DiffChanges;
    const c = resp.getChanges();
    return {
      changes: c === C.DIFF_SOME ? "some" : c === C.DIFF_NONE ? "none" : "unknown",
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  async create(urn: string, news: PropertyMap) {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(struct(news));
    // Never preview=true: the plugin ignores it and would really create.
    const resp = await this.call("Create", urn, req);
    return { id: resp.getId() as string, properties: js(resp.getProperties()) };
  }

  async update(urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap) {
    const resp = await this.call("Update", urn, changeRequest(provproto.UpdateRequest, urn, id, olds, news, oldInputs));
    return js(resp.getProperties());
  }

  async read(urn: string, id: string, properties: PropertyMap, inputs: PropertyMap) {
    const req = new provproto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(struct(properties));
    req.setInputs(struct(inputs));
    const resp = await this.call("Read", urn, req);
    const result: { id: string; properties: PropertyMap; inputs?: PropertyMap } = {
      id: resp.getId() as string,
      properties: js(resp.getProperties()),
    };
    if (resp.getInputs()) result.inputs = js(resp.getInputs());
    return result;
  }

  async delete(urn: string, id: string, properties: PropertyMap, oldInputs: PropertyMap): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(struct(properties));
    req.setOldInputs(struct(oldInputs));
    await this.call("Delete", urn, req);
  }

  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill();
    await exited;
  }
}

/** A DiffRequest or UpdateRequest: the two carry the same fields (urn, id, old outputs, new inputs, old inputs). */
function changeRequest(Request: new () => any, urn: string, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap): unknown {
  const req = new Request();
  req.setUrn(urn);
  req.setId(id);
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  req.setOldInputs(struct(oldInputs));
  return req;
}

/** Decodes the `ErrorResourceInitFailed` detail the plugin packs into the `grpc-status-details-bin` trailer. */
function initFailure(err: grpc.ServiceError): { id: string; properties: PropertyMap; reasons: string[] } | undefined {
  const bin = err.metadata?.get("grpc-status-details-bin")?.[0];
  if (!bin) return undefined;
  const status = statusproto.Status.deserializeBinary(new Uint8Array(bin as Buffer));
  for (const any of status.getDetailsList()) {
    if (!String(any.getTypeUrl()).endsWith("pulumirpc.ErrorResourceInitFailed")) continue;
    const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    return { id: detail.getId(), properties: js(detail.getProperties()), reasons: detail.getReasonsList() };
  }
  return undefined;
}
