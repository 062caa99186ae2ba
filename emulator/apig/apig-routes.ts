/**
 * The API routes of the APIG triggers stored on the functions (`APIG` and `DEDICATEDGATEWAY`, ACTIVE), and how
 * a request path finds one. A trigger's URL on the emulator's gateway is `/apig/<group_id>/<env><path>` (`env` is
 * `env_name`, else `env_id`): the service gives each API group a domain of its own, which one loopback port
 * cannot, so the group and environment lead the path instead [inferred]. The API `path` may hold `{name}`
 * parameters (one segment) and one trailing `{name+}` (the rest); `match_mode` NORMAL is an exact match, SWA a
 * prefix match (the exact route wins, then the longest path); `req_method` ANY takes every method.
 */
import { allTriggers } from "../store/companion-records";
import type { EmulatorContext } from "../context";
import { buildUrn } from "../api/urn";

/** One served API. */
export interface ApigRoute {
  triggerId: string;
  /** `api_id` of the trigger (the event's `requestContext.apiId`). */
  apiId: string;
  group: string;
  /** `env_name` (else `env_id`): the event's `requestContext.stage`. */
  env: string;
  /** The API path template, e.g. `/users/{id}`. */
  path: string;
  method: string;
  prefix: boolean;
  auth: "IAM" | "APP" | "NONE";
  /** The URN invoked (qualified by the trigger's version or alias). */
  functionUrn: string;
}

/** A request matched to a route: the API-relative path and its parameters. */
export interface ApigMatch {
  route: ApigRoute;
  /** The path the function sees (`event.path`): the request path without `/apig/<group>/<env>`. */
  path: string;
  pathParameters: Record<string, string>;
}

/** The gateway path of a trigger's API (what `invoke_url` adds to the gateway's origin). */
export function apigPath(eventData: Record<string, unknown>): string {
  const env = String(eventData.env_name ?? eventData.env_id);
  return `/apig/${encodeURIComponent(String(eventData.group_id))}/${encodeURIComponent(env)}${String(eventData.path)}`;
}

/** Every ACTIVE APIG / DEDICATEDGATEWAY trigger of the store as a route. */
export function apigRoutes(ctx: EmulatorContext): ApigRoute[] {
  const out: ApigRoute[] = [];
  for (const { package: pkg, functionName, trigger: t } of allTriggers(ctx.store)) {
    if ((t.type !== "APIG" && t.type !== "DEDICATEDGATEWAY") || t.status !== "ACTIVE") continue;
    const d = t.eventData;
    out.push({
      triggerId: t.id, apiId: String(d.api_id ?? t.id), group: String(d.group_id), env: String(d.env_name ?? d.env_id),
      path: String(d.path), method: String(d.req_method ?? "ANY").toUpperCase(), prefix: d.match_mode === "SWA",
      auth: (d.auth as ApigRoute["auth"]) ?? "NONE",
      functionUrn: buildUrn(ctx.scope, pkg, functionName, t.qualifier === "latest" ? undefined : t.qualifier),
    });
  }
  return out;
}

/** Matches `apiPath` against a path template; the parameters, or undefined. */
export function matchTemplate(template: string, apiPath: string, prefix: boolean): Record<string, string> | undefined {
  const want = template.split("/").filter(Boolean);
  const got = apiPath.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const greedy = /^\{([^{}]+)\+\}$/.exec(want[i]);
    if (greedy && i === want.length - 1) {
      if (got.length <= i) return undefined;
      params[greedy[1]] = got.slice(i).join("/");
      return params;
    }
    if (i >= got.length) return undefined;
    const param = /^\{([^{}+]+)\}$/.exec(want[i]);
    if (param) params[param[1]] = got[i];
    else if (want[i] !== got[i]) return undefined;
  }
  return got.length === want.length || prefix ? params : undefined;
}

/**
 * The route of a request (`rawPath` is the URL path on the gateway, still percent-encoded). Undefined when no
 * API has the path; `{ methodNotAllowed }` when one has it for other methods only.
 */
export function findRoute(routes: ApigRoute[], method: string, rawPath: string): ApigMatch | { methodNotAllowed: true } | undefined {
  const m = /^\/apig\/([^/]+)\/([^/]+)(\/.*)?$/.exec(rawPath);
  if (!m) return undefined;
  let group: string, env: string, apiPath: string;
  try {
    [group, env, apiPath] = [decodeURIComponent(m[1]), decodeURIComponent(m[2]), decodeURIComponent(m[3] ?? "/")];
  } catch {
    return undefined;
  }
  const hits = routes
    .filter((r) => r.group === group && r.env === env)
    .map((r) => ({ r, params: matchTemplate(r.path, apiPath, r.prefix) }))
    .filter((h) => h.params !== undefined)
    // Exact routes before prefix routes, longer templates first.
    .sort((a, b) => Number(a.r.prefix) - Number(b.r.prefix) || b.r.path.length - a.r.path.length);
  if (hits.length === 0) return undefined;
  const hit = hits.find((h) => h.r.method === "ANY" || h.r.method === method);
  if (!hit) return { methodNotAllowed: true };
  return { route: hit.r, path: apiPath, pathParameters: hit.params! };
}
