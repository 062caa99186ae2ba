/**
 * The runtime's part of the admin surface (loopback clients with the admin token only; a POST must be
 * `Content-Type: application/json`, which a browser page cannot send cross-origin without a preflight this
 * server never grants):
 * - `GET /__admin/invocations?function=<name | package/name>&requestId=&since=<seq>&waitMs=<ms ≤ 30000>` — the
 *   invocation records with their logs (`fgs logs`); `waitMs` holds the answer until something newer than
 *   `since` exists. Answer `{invocations, lastSeq}`.
 * - `GET|POST /__admin/timers`, `DELETE /__admin/timers/{id}` — TIMER triggers: POST `{function_urn, name,
 *   schedule_type: Rate|Cron, schedule, user_event?, status?}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { adminError, checkAdminRequest, isLoopback } from "./admin-guard";
import type { AdminCall } from "./admin-routes";
import type { EmulatorContext } from "../context";
import { ApiError } from "../http/errors";
import { decodeSegment, readBody, sendJson } from "../http/http-io";
import { parseJsonObject } from "../http/json-object";
import { RouteTable, type Operation } from "../http/route-table";
import type { InvocationFilter } from "../runtime/invocation-log";
import { runtimeOf } from "../runtime/registry";
import { resolveTarget } from "../runtime/target";
import { ScheduleError } from "../runtime/timer-schedule";
import type { TimerSpec } from "../runtime/timer-triggers";

const PATHS = /^\/__admin\/(invocations|timers)(?:\/([^/]+))?$/;

/** True for the paths this file serves. */
export function isRuntimeAdminPath(rawPath: string): boolean {
  return PATHS.test(rawPath);
}

function jsonBody(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  if (!/^application\/json\b/i.test(String(req.headers["content-type"] ?? ""))) throw adminError(415, "send the body as Content-Type: application/json");
  const v = parseJsonObject(body.toString("utf8"));
  if (!v) throw adminError(400, "the body must be a JSON object");
  return v;
}

function str(o: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v === "") throw adminError(400, `${key}: expected a non-empty string`);
  return v;
}

type RuntimeAdminHandler = (ctx: EmulatorContext, call: AdminCall) => Promise<void> | void;

/** The runtime's admin operations (paths after `/__admin/`), in index order; admin-routes.ts lists them too. */
export const RUNTIME_ADMIN_OPERATIONS: readonly (Operation<RuntimeAdminHandler> & { query?: string })[] = [
  { method: "GET", path: "invocations", name: "invocations", writes: false, query: "function=&requestId=&since=&waitMs=",
    handler: (ctx, c) => listInvocations(ctx, c.res, c.query) },
  { method: "GET", path: "timers", name: "timers", writes: false, handler: (ctx, c) => sendJson(c.res, 200, { timers: runtimeOf(ctx).timers.list() }) },
  { method: "POST", path: "timers", name: "addTimer", writes: true, handler: (ctx, c) => addTimer(ctx, c) },
  { method: "DELETE", path: "timers/{id}", name: "removeTimer", writes: true, handler: (ctx, c) => {
    if (!runtimeOf(ctx).timers.remove(c.params.id)) throw adminError(404, `no timer '${c.params.id}'`);
    sendJson(c.res, 204);
  } },
];

const ROUTES = new RouteTable<RuntimeAdminHandler>(RUNTIME_ADMIN_OPERATIONS);

function addTimer(ctx: EmulatorContext, c: AdminCall): void {
  const o = jsonBody(c.req, c.body);
  const spec: TimerSpec = {
    function_urn: str(o, "function_urn", true)!, name: str(o, "name", true)!,
    schedule_type: str(o, "schedule_type", true) as TimerSpec["schedule_type"], schedule: str(o, "schedule", true)!,
    user_event: o.user_event === undefined ? undefined : String(o.user_event),
    status: o.status === undefined ? undefined : (str(o, "status", true) as TimerSpec["status"]),
  };
  if (spec.status !== undefined && spec.status !== "ACTIVE" && spec.status !== "DISABLED") throw adminError(400, "status: expected ACTIVE or DISABLED");
  resolveTarget(ctx, spec.function_urn); // the function must exist now
  try {
    sendJson(c.res, 201, runtimeOf(ctx).timers.add(spec));
  } catch (e) {
    if (e instanceof ScheduleError) throw adminError(400, e.message);
    throw e;
  }
}

/** Serves one runtime admin request: a row of the table, else 405. */
export async function handleRuntimeAdmin(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<void> {
  try {
    if (!isLoopback(req.socket.remoteAddress)) throw adminError(403, "the admin surface answers loopback clients only");
    checkAdminRequest(req, ctx.options.adminToken); // the same browser rules as every admin route (admin-guard.ts)
    const { body } = await readBody(req, 1024 * 1024);
    const [, area, rawId] = PATHS.exec(rawPath)!;
    const id = rawId === undefined ? undefined : decodeSegment(rawId);
    const method = req.method ?? "GET";
    const match = ROUTES.match(method, id === undefined ? [area] : [area, id]);
    if (!match) throw adminError(405, `${method} is not allowed on /__admin/${area}${id === undefined ? "" : "/{id}"}`);
    await match.operation.handler(ctx, { req, res, body, query, params: match.params });
  } catch (e) {
    const err = e instanceof ApiError ? e : adminError(500, (e as Error).message);
    if (!res.headersSent) sendJson(res, err.status, err.body());
  }
}

async function listInvocations(ctx: EmulatorContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const filter: InvocationFilter = {};
  const fn = query.get("function");
  if (fn) filter.function = fn;
  const id = query.get("requestId");
  if (id) filter.requestId = id;
  for (const [name, max] of [["since", Number.MAX_SAFE_INTEGER], ["waitMs", 30_000]] as const) {
    const v = query.get(name);
    if (v !== null && (!/^\d+$/.test(v) || Number(v) > max)) throw adminError(400, `${name}: expected an integer between 0 and ${max}`);
  }
  if (query.get("since") !== null) filter.since = Number(query.get("since"));
  const log = runtimeOf(ctx).invocations;
  if (filter.function !== undefined) {
    const [pkg, name] = filter.function.includes("/") ? filter.function.split("/", 2) : ["default", filter.function];
    // A function that was never deployed here (and left no calls) is an error, not an empty log.
    if (!ctx.store.get(pkg, name) && log.list({ function: filter.function }).length === 0) {
      throw adminError(404, `no function '${pkg}/${name}' on this emulator (and no invocations of one)`);
    }
  }
  const deadline = Date.now() + Number(query.get("waitMs") ?? 0);
  let found = log.list(filter);
  while (found.length === 0 && Date.now() < deadline && !res.destroyed) {
    await log.changed(deadline - Date.now());
    found = log.list(filter);
  }
  sendJson(res, 200, { invocations: found, lastSeq: log.lastSeq() });
}
