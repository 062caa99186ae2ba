/**
 * `GET /__admin/invocations` (loopback clients, no auth, read-only): the invocation records with their logs —
 * what `fgs logs` reads. Query: `function=<name | package/name>`, `requestId=`, `since=<seq>` (only newer
 * records) and `waitMs=<ms>` (≤ 30,000: hold the answer until something newer than `since` exists — how
 * `fgs logs --follow` waits without polling fast). Answer `{invocations: [...], lastSeq}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorContext } from "../context";
import { isLoopback } from "../admin";
import { sendJson } from "../http-io";
import type { InvocationFilter } from "./invocation-log";
import { runtimeOf } from "./registry";

/** The admin path this file serves. */
export const INVOCATIONS_ADMIN_PATH = "/__admin/invocations";

/** Serves one `/__admin/invocations` request. */
export async function handleInvocationsAdmin(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  req.resume();
  if (!isLoopback(req.socket.remoteAddress)) return sendJson(res, 403, { error_code: "ADMIN.0403", error_msg: "the admin surface answers loopback clients only" });
  if (req.method !== "GET") return sendJson(res, 405, { error_code: "ADMIN.0405", error_msg: "only GET is allowed on /__admin/invocations" });
  const filter: InvocationFilter = {};
  const fn = query.get("function");
  if (fn) filter.function = fn;
  const id = query.get("requestId");
  if (id) filter.requestId = id;
  for (const [name, max] of [["since", Number.MAX_SAFE_INTEGER], ["waitMs", 30_000]] as const) {
    const v = query.get(name);
    if (v !== null && (!/^\d+$/.test(v) || Number(v) > max)) {
      return sendJson(res, 400, { error_code: "ADMIN.0400", error_msg: `${name}: expected an integer between 0 and ${max}` });
    }
  }
  if (query.get("since") !== null) filter.since = Number(query.get("since"));
  const log = runtimeOf(ctx).invocations;
  const deadline = Date.now() + Number(query.get("waitMs") ?? 0);
  let found = log.list(filter);
  while (found.length === 0 && Date.now() < deadline && !res.destroyed) {
    await log.changed(deadline - Date.now());
    found = log.list(filter);
  }
  sendJson(res, 200, { invocations: found, lastSeq: log.lastSeq() });
}
