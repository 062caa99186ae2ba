/**
 * The HTTP server and `startEmulator`: binds loopback, routes `/v2/{project_id}/fgs/functions…` through the
 * gateway (route match → authentication and project check → faults → handler → commit-then-drop) and serves
 * `/__admin/` and export download links beside it. Every response carries `X-Request-Id`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { guardServer } from "./http/server-guards";
import { listenOnLoopback } from "./http/loopback-listen";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { AdminOperations, type ConfigPatch, type FaultState, type SeedFunctionInput } from "./admin/admin";
import { handleAdmin } from "./admin/admin-routes";
import type { EmulatorContext } from "./context";
import { ApiError, Errors } from "./http/errors";
import { FaultInjector, type FaultConfig } from "./http/faults";
import { passFaultGate, type FaultAnswers } from "./http/fault-gate";
import { CodeBodyScan } from "./api/code-body-scan";
import { admitBody, BodyBudget, bodyCapFor, budgetCapacity } from "./http/body-intake";
import { preAuthenticate, type AuthResult } from "./http/gateway-auth";
import { decodeSegment, dropConnection, recycleBody, sendBytes, sendError, sendJson } from "./http/http-io";
import { resolveOptions, type EmulatorOptions, type ResolvedOptions } from "./options";
import { RequestLog, type RequestLogEntry, type RequestLogFilter } from "./http/request-log";
import { API_PATH, API_ROUTES } from "./api/api-operations";
import { DependencyStore } from "./store/dependency-store";
import { handleRuntimeAdmin, isRuntimeAdminPath } from "./admin/runtime-admin";
import type { InvocationFilter, InvocationRecord } from "./runtime/invocation-log";
import { attachRuntime, closeRuntime, runtimeOf } from "./runtime/registry";
import { syncTimerTriggers } from "./runtime/trigger-timers";
import { Store } from "./store/store";
import { DataDirLock } from "./store/data-dir-lock";
import { listenAtHome } from "./store/home-port";
import { startObs, type ObsHandle } from "./obs/obs-emulator";
import type { FunctionModel } from "../provider/api/schemas";

/** A running emulator: where it listens, what to sign with, and the admin operations in-process. */
export interface EmulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the SDK endpoint / `functiongraph:endpoint`). */
  url: string;
  region: string;
  projectId: string;
  domainId: string;
  credentials: { accessKey: string; secretKey: string };
  dataDir: string | undefined;
  /** This run's admin token: every `/__admin/` request must carry `X-Fgs-Admin: <token>`. */
  adminToken: string;
  /** Stops listening and waits for pending writes to reach the data dir. */
  close(): Promise<void>;
  /** Logged API requests (optionally filtered, e.g. `{ writesOnly: true }` or `{ operation: "import" }`). */
  requests(filter?: RequestLogFilter): RequestLogEntry[];
  /** Empties the request log. */
  clearLog(): void;
  /** Deletes every function, clears the log and faults. */
  reset(): Promise<void>;
  /** Creates a function directly (adoption tests). */
  seedFunction(input: SeedFunctionInput): Promise<FunctionModel>;
  /** Replaces a function's code out-of-band (drift). */
  modifyCode(urn: string, zip: Buffer): Promise<FunctionModel>;
  /** Changes a function's config out-of-band (drift). */
  modifyConfig(urn: string, patch: ConfigPatch): Promise<FunctionModel>;
  /** Deletes a function out-of-band; false when absent. */
  removeFunction(urn: string): Promise<boolean>;
  /** Sets faults (SPEC string, config, or null for none); throws on a bad spec. */
  setFaults(spec: FaultConfig | string | null): FaultState;
  /** The current faults. */
  faults(): FaultState;
  /** Every function's model. */
  functions(): FunctionModel[];
  /** The stored code zip of a function (or of the version its URN names). */
  code(urn: string): Buffer | undefined;
  /** A copy of a function's stored config, write-only fields included (tests of what the service keeps). */
  storedConfig(urn: string): Record<string, unknown> | undefined;
  /** Invocation records (sync and async) with their outcome and log. */
  invocations(filter?: InvocationFilter): InvocationRecord[];
  /** Origin of the API gateway serving APIG triggers (`invoke_url` = this + `/apig/<group>/<env><path>`). */
  apigUrl: string;
  /** The OBS endpoint (second port): URL, request log, faults, buckets and objects (emulator/obs/). */
  obs: ObsHandle;
}

/** The API's answers to the 429/500/503 faults. */
const API_FAULT_ANSWERS: FaultAnswers = { "429": () => Errors.busy(), "500": () => Errors.internal(), "503": () => Errors.unavailable() };

const DOWNLOAD_PATH = /^\/__export\/([0-9a-f]+)\/[^/]+$/;

async function handleApi(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string, requestId: string): Promise<void> {
  const started = Date.now();
  const method = req.method ?? "GET";
  const m = API_PATH.exec(rawPath)!;
  const segments = (m[3] ?? "").split("/").slice(1).map(decodeSegment);
  if (segments.length > 0 && segments[segments.length - 1] === "") segments.pop(); // tolerate a trailing slash
  const match = API_ROUTES.match(method, [...m[2].split("/"), ...segments]);
  const route = match?.operation;
  const entry: Omit<RequestLogEntry, "seq"> = {
    time: new Date(started).toISOString(), requestId, method, path: rawPath, query: rawQuery,
    operation: route?.name ?? "unknown", status: 0, authKind: "none", durationMs: 0,
  };
  const faults: string[] = [];
  const finish = (status: number, errorCode?: string) => {
    entry.status = status;
    if (errorCode) entry.errorCode = errorCode;
    if (faults.length) entry.fault = faults.join("+");
    entry.durationMs = Date.now() - started;
    ctx.log.add(entry);
    if (!ctx.options.quiet) {
      process.stderr.write(`[fgs-emulator] ${method} ${rawPath} -> ${status || "dropped"} ${entry.operation}${entry.fault ? ` fault=${entry.fault}` : ""}\n`);
    }
  };
  let releaseBody = () => {};
  let scan: CodeBodyScan | undefined;
  let scannedBody: Buffer | undefined;
  try {
    if (!route) {
      res.setHeader("Connection", "close");
      throw Errors.noSuchApi();
    }
    // Authenticate from the headers before reading a byte of the body, then take it in within the route's cap
    // and the shared budget (body-intake.ts); the signature over the body is checked once it has arrived.
    const pending = preAuthenticate({ method, rawPath, rawQuery, headers: req.headers }, ctx.options.credentials, ctx.options.clockSkewToleranceMs, Date.now());
    const limits = ctx.options.limits;
    // A code upload's Base64 is decoded while it arrives (code-body-scan.ts); the route decides whether to use it.
    scan = route.name === "updateCode" ? new CodeBodyScan(limits.codeUploadBytes) : undefined;
    const admitted = await admitBody(req, res, bodyCapFor(route.name, limits), ctx.bodyBudget,
      (n) => route.name === "updateCode" ? Errors.codeTooLarge(n, limits.codeUploadBytes)
        : route.name === "import" ? Errors.importTooLarge(n, limits.importPackageBytes) : Errors.bodyTooLarge(),
      scan);
    releaseBody = admitted.release;
    const body = admitted.body;
    if (scan) scannedBody = body;
    const auth: AuthResult = pending.complete(body, admitted.sha256);
    entry.authKind = auth.kind;
    if (auth.accessKey) entry.accessKey = auth.accessKey;
    // [U] A foreign project id is an authentication failure at the gateway (the credentials are not scoped to it).
    if (m[1] !== ctx.options.projectId) throw Errors.authFailed(`the project id '${m[1]}' does not belong to the credentials`);
    const headerProject = req.headers["x-project-id"];
    if (headerProject !== undefined && headerProject !== ctx.options.projectId) throw Errors.authFailed("X-Project-Id does not match the project in the path");

    const gate = passFaultGate(ctx.faults.before(), req, faults, API_FAULT_ANSWERS);
    if (gate && (await gate) === "dropped") return finish(0);

    const params = match!.params;
    const out = await route.handler(ctx, { method, urn: params.urn, params, query: new URLSearchParams(rawQuery), body, headers: req.headers, scan });
    // A write may have created, changed or removed TIMER triggers (deleting a function removes its own).
    if (out.status < 300 && route.writes) syncTimerTriggers(ctx, runtimeOf(ctx).timers);
    if (out.status < 300 && ctx.faults.dropAfterCommit(route.name)) {
      faults.push("commitDrop");
      entry.committedStatus = out.status;
      dropConnection(req);
      return finish(0);
    }
    if (out.bytes) sendBytes(res, out.status, out.bytes.contentType, out.bytes.data, out.bytes.headers);
    else sendJson(res, out.status, out.json);
    finish(out.status);
  } catch (err) {
    const e = err instanceof ApiError ? err : Errors.internal(err instanceof Error ? err.message : String(err));
    if (!res.headersSent && !req.socket.destroyed) sendError(res, e);
    finish(e.status, e.code);
  } finally {
    releaseBody();
    scan?.dispose();
    if (scannedBody) recycleBody(scannedBody); // nothing keeps a view of a code upload's body (the zip is decoded out of it)
  }
}

function handleDownload(ctx: EmulatorContext, res: ServerResponse, token: string): void {
  const d = ctx.downloads.get(token);
  if (!d) return sendError(res, Errors.functionNotFound("export link"));
  sendBytes(res, 200, "application/zip", d.data, { "Content-Disposition": `attachment; filename="${d.fileName}"` });
}

/**
 * Starts an emulator (resolves once it listens). Throws when options are invalid, the data dir is corrupt
 * (`DataDirError`, with a message saying what is wrong — the dir is never reset) or another emulator holds it
 * (`DataDirLockedError`, store/data-dir-lock.ts). On a data dir, the API and OBS listen on the ports the dir
 * keeps (store/home-port.ts) unless `port` / `obs.port` / `obs.httpsPort` are given.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const opts = resolveOptions(options);
  const lock = opts.dataDir === undefined ? undefined : await DataDirLock.acquire(opts.dataDir);
  try {
    // The data dir as resolved and checked once (store/owned-files.ts); the handle still names the one given.
    return await startLocked(options, lock ? { ...opts, dataDir: lock.dataDir } : opts, lock);
  } catch (err) {
    await lock?.release();
    throw err;
  }
}

/** `startEmulator` once the data dir (if any) is this emulator's. */
async function startLocked(options: EmulatorOptions, opts: ResolvedOptions, lock: DataDirLock | undefined): Promise<EmulatorHandle> {
  const faults = new FaultInjector(opts.faults);
  const store = await Store.open(opts.dataDir);
  const dependencies = await DependencyStore.open(opts.dataDir);
  const warn = (m: string) => process.stderr.write(`[fgs-emulator] ${m}\n`);
  const obs = await startObs(opts, options.obs, warn);
  let baseUrl = "";
  const ctx: EmulatorContext = {
    options: opts,
    scope: { region: opts.region, projectId: opts.projectId, domainId: opts.domainId },
    store, dependencies, faults, log: new RequestLog(), importsInProgress: new Set(), downloads: new Map(),
    bodyBudget: new BodyBudget(budgetCapacity(opts.limits)),
    obs: { store: obs.store, url: obs.handle.url },
    baseUrl: () => baseUrl,
    now: () => Date.now(),
  };
  const admin = new AdminOperations(ctx);
  const runtime = attachRuntime(ctx, options.runtime);
  syncTimerTriggers(ctx, runtime.timers); // TIMER triggers persisted in the data dir fire again
  try {
    await runtime.gateway.listen({ port: runtime.options.apigPort, dataDir: opts.dataDir, warn });
  } catch (err) {
    await closeRuntime(ctx);
    await obs.close();
    throw err;
  }
  const server: Server = createServer((req, res) => {
    const requestId = randomUUID().replace(/-/g, "");
    res.setHeader("X-Request-Id", requestId);
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    if (isRuntimeAdminPath(rawPath)) return void handleRuntimeAdmin(ctx, req, res, rawPath, new URLSearchParams(rawQuery));
    if (rawPath === "/__admin" || rawPath.startsWith("/__admin/")) {
      void handleAdmin(admin, req, res, rawPath, new URLSearchParams(rawQuery));
      return;
    }
    const dl = DOWNLOAD_PATH.exec(rawPath);
    if (dl && req.method === "GET") return handleDownload(ctx, res, dl[1]);
    if (API_PATH.test(rawPath)) {
      void handleApi(ctx, req, res, rawPath, rawQuery, requestId);
      return;
    }
    req.resume();
    sendJson(res, 404, Errors.noSuchApi().body());
  });
  guardServer(server, { refuseFunctions: true }); // function code cannot call the API or the admin surface
  try {
    await listenAtHome({ name: "api", dataDir: opts.dataDir, explicit: options.port, what: "the FunctionGraph API", option: "--port", warn },
      (port) => listenOnLoopback(server, port, opts.host, "the FunctionGraph API", warn));
  } catch (err) {
    // Not listening (e.g. the port is taken): release what was started, so the process can exit.
    await closeRuntime(ctx);
    await obs.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  await lock?.announce(baseUrl);
  return {
    url: baseUrl,
    region: opts.region,
    projectId: opts.projectId,
    domainId: opts.domainId,
    credentials: { accessKey: opts.credentials.accessKey, secretKey: opts.credentials.secretKey },
    dataDir: options.dataDir,
    adminToken: opts.adminToken,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await closeRuntime(ctx);
      await store.flush();
      await dependencies.flush();
      await obs.close();
      await lock?.release();
    },
    requests: (filter) => admin.requests(filter),
    clearLog: () => admin.clearLog(),
    reset: async () => {
      await admin.reset();
      await obs.reset();
    },
    seedFunction: (input) => admin.seedFunction(input),
    modifyCode: (urn, zip) => admin.modifyCode(urn, zip),
    modifyConfig: (urn, patch) => admin.modifyConfig(urn, patch),
    removeFunction: (urn) => admin.removeFunction(urn),
    setFaults: (spec) => admin.setFaults(spec),
    faults: () => admin.faults(),
    functions: () => admin.functions(),
    code: (urn) => admin.code(urn),
    storedConfig: (urn) => admin.storedConfig(urn),
    invocations: (filter) => runtime.invocations.list(filter),
    apigUrl: runtime.gateway.url(),
    obs: obs.handle,
  };
}
