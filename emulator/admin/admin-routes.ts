/**
 * The admin surface over HTTP (`/__admin/…`) as one table of typed operations (route-table.ts) over the same
 * `AdminOperations` the in-process handle calls (admin.ts), with the runtime's rows (runtime-admin.ts:
 * invocations, timers) beside it. `GET /__admin/` answers the index, read off both tables. Loopback clients
 * with this run's admin token only (admin-guard.ts); never logged, never faulted.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AdminOperations, type ConfigPatch, type SeedFunctionInput } from "./admin";
import { adminError, checkAdminRequest, isLoopback } from "./admin-guard";
import { admitBody, bodyCapFor } from "../http/body-intake";
import { ApiError, Errors } from "../http/errors";
import type { FaultConfig } from "../http/faults";
import { decodeSegment, sendBytes, sendJson } from "../http/http-io";
import { parseJsonObject } from "../http/json-object";
import type { RequestLogFilter } from "../http/request-log";
import { RouteTable, type Operation } from "../http/route-table";
import { RUNTIME_ADMIN_OPERATIONS } from "./runtime-admin";

/** One admin request as a handler sees it (of either table: this one and runtime-admin.ts's). */
export interface AdminCall {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  query: URLSearchParams;
  params: Record<string, string>;
}

/** An admin operation: `query` and `note` are what the index shows after its path. */
export type AdminRow<H> = Operation<H> & { query?: string; note?: string };

type AdminHandler = (ops: AdminOperations, call: AdminCall) => Promise<void> | void;

function parseJson(body: Buffer): Record<string, unknown> {
  const v = parseJsonObject(body.toString("utf8") || "{}");
  if (!v) throw adminError(400, "expected a JSON object body");
  return v;
}

function decodeB64(value: unknown, field: string): Buffer {
  if (typeof value !== "string") throw adminError(400, `${field}: expected Base64 text`);
  return Buffer.from(value, "base64");
}

const row = (method: AdminRow<AdminHandler>["method"], path: string, name: string, writes: boolean, handler: AdminHandler, extra: { query?: string; note?: string } = {}): AdminRow<AdminHandler> =>
  ({ method, path, name, writes, handler, ...extra });

/** The admin operations served by this file, in index order. */
export const ADMIN_OPERATIONS: readonly AdminRow<AdminHandler>[] = [
  row("GET", "health", "health", false, (_ops, c) => sendJson(c.res, 200, { ok: true })),
  row("GET", "requests", "requests", false, (ops, c) => {
    const filter: RequestLogFilter = {};
    if (c.query.get("operation")) filter.operation = c.query.get("operation")!;
    if (c.query.get("method")) filter.method = c.query.get("method")!;
    if (c.query.get("writesOnly") === "true") filter.writesOnly = true;
    sendJson(c.res, 200, { requests: ops.requests(filter) });
  }, { query: "operation=&method=&writesOnly=true" }),
  row("DELETE", "requests", "clearLog", true, (ops, c) => { ops.clearLog(); sendJson(c.res, 204); }),
  row("POST", "reset", "reset", true, async (ops, c) => { await ops.reset(); sendJson(c.res, 204); }),
  row("GET", "functions", "functions", false, (ops, c) => sendJson(c.res, 200, { functions: ops.functions() })),
  row("POST", "functions", "seedFunction", true, async (ops, c) => {
    const input = parseJson(c.body) as unknown as SeedFunctionInput & { code?: unknown };
    const code = input.code === undefined ? undefined : decodeB64(input.code, "code");
    sendJson(c.res, 200, await ops.seedFunction({ ...input, code }));
  }, { note: "seed a function" }),
  row("GET", "functions/{urn?}/code", "code", false, (ops, c) => {
    const code = ops.code(c.params.urn);
    if (!code) throw Errors.functionNotFound(c.params.urn);
    sendBytes(c.res, 200, "application/zip", code);
  }),
  row("PUT", "functions/{urn?}/code", "modifyCode", true, async (ops, c) =>
    sendJson(c.res, 200, await ops.modifyCode(c.params.urn, decodeB64(parseJson(c.body).file, "file"))), { note: "drift: replace the code" }),
  row("PATCH", "functions/{urn?}/config", "modifyConfig", true, async (ops, c) =>
    sendJson(c.res, 200, await ops.modifyConfig(c.params.urn, parseJson(c.body) as ConfigPatch)), { note: "drift: change settings" }),
  row("DELETE", "functions/{urn?}", "removeFunction", true, async (ops, c) => {
    if (!(await ops.removeFunction(c.params.urn))) throw Errors.functionNotFound(c.params.urn);
    sendJson(c.res, 204);
  }),
  row("GET", "faults", "faults", false, (ops, c) => sendJson(c.res, 200, ops.faults())),
  row("PUT", "faults", "setFaults", true, (ops, c) => {
    const b = parseJson(c.body);
    try {
      sendJson(c.res, 200, ops.setFaults(typeof b.spec === "string" ? b.spec : (b as FaultConfig)));
    } catch (err) {
      throw adminError(400, err instanceof Error ? err.message : String(err));
    }
  }),
  row("DELETE", "faults", "clearFaults", true, (ops, c) => { ops.setFaults(null); sendJson(c.res, 204); }),
];

const ADMIN_ROUTES = new RouteTable<AdminHandler>(ADMIN_OPERATIONS);

/** One index line: method, path, its query and a note. */
function indexLine(o: AdminRow<unknown>): string {
  return `${o.method} /__admin/${o.path.replace(/\{(\w+)\??\}/g, "{$1}")}${o.query ? `?${o.query}` : ""}${o.note ? ` (${o.note})` : ""}`;
}

/** What `GET /__admin/` lists: every admin endpoint (every request needs `X-Fgs-Admin: <admin token>`; see admin-guard.ts). */
export const ADMIN_INDEX: readonly string[] = [...ADMIN_OPERATIONS, ...RUNTIME_ADMIN_OPERATIONS].map(indexLine);

/** Serves `/__admin/…` but the runtime's paths (runtime-admin.ts): the index, then a row of the table or 404. */
export async function handleAdmin(ops: AdminOperations, req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<void> {
  let releaseBody = () => {};
  try {
    if (!isLoopback(req.socket.remoteAddress)) throw adminError(403, "the admin surface answers loopback clients only");
    checkAdminRequest(req, ops.ctx.options.adminToken);
    const admitted = await admitBody(req, res, bodyCapFor("updateCode", ops.ctx.options.limits), ops.ctx.bodyBudget, () => adminError(413, "the body is larger than the admin surface accepts"));
    releaseBody = admitted.release;
    const segs = rawPath.split("/").slice(2).map(decodeSegment);
    const method = req.method ?? "GET";
    if (method === "GET" && (segs.length === 0 || (segs.length === 1 && segs[0] === ""))) return sendJson(res, 200, { endpoints: ADMIN_INDEX });
    const match = ADMIN_ROUTES.match(method, segs);
    if (!match) throw adminError(404, `no admin route ${method} ${rawPath}`);
    await match.operation.handler(ops, { req, res, body: admitted.body, query, params: match.params });
  } catch (err) {
    const e = err instanceof ApiError ? err : adminError(500, err instanceof Error ? err.message : String(err));
    sendJson(res, e.status, e.body());
  } finally {
    releaseBody();
  }
}
