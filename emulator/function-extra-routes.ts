/**
 * The function settings the service manages with their own calls (paths and bodies as the official SDK sends
 * them): `PUT /v2/{project_id}/fgs/functions/{urn}/config-max-instance` (`updateFunctionMaxInstanceConfig`),
 * and the tags API under `/v2/{project_id}/functions/{resource_id}/tags` (`createTags` POST `…/tags/create`,
 * `deleteTags` DELETE `…/tags/delete`, `listFunctionTags` GET `…/tags`; resource type `functions`, resource id
 * the function URN or its `func_id` [U]).
 */
import { ListTagsResponseSchema, TagsRequestSchema, UpdateMaxInstanceRequestSchema } from "../provider/api/schemas";
import { TagsSchema } from "../provider/api/function-properties";
import type { EmulatorContext } from "./context";
import { Errors } from "./errors";
import { storeValue } from "./function-config";
import { renderModel } from "./model";
import { touchHead, type FunctionRecord } from "./records";
import type { ApiRequest, ApiResponse, RouteMatch } from "./routes";
import { parseUrn } from "./urn";
import { parseJsonBody, validateBody } from "./validation";

/** The head of the function a URN names (404 FSS.1051; a version or alias is 400: settings are the head's). */
function head(ctx: EmulatorContext, urn: string | undefined): FunctionRecord {
  const ref = parseUrn(urn ?? "", ctx.scope);
  const f = ctx.store.get(ref.package, ref.name);
  if (!f || ref.alias !== undefined) throw Errors.functionNotFound(urn ?? "");
  if (ref.version !== undefined) throw Errors.badRequest(`only the latest version can be modified, not '${ref.version}'`);
  return f;
}

/** `PUT …/config-max-instance`: stores `max_instance_num` (the model's `strategy_config.concurrency`). */
export async function updateMaxInstance(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = head(ctx, req.urn);
  const body = validateBody(UpdateMaxInstanceRequestSchema, parseJsonBody(req.body));
  storeValue(f.config, "maxInstanceNum", body.max_instance_num);
  touchHead(f, ctx.now());
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderModel(ctx.scope, f, undefined, { latestSuffix: true, configExtras: true }) };
}

/** The function a tags resource id names: its URN (any accepted form) or its `func_id`. */
function tagged(ctx: EmulatorContext, id: string): FunctionRecord {
  const byId = ctx.store.list().find((f) => f.id === id);
  if (byId) return byId;
  return head(ctx, id);
}

async function listTags(ctx: EmulatorContext, id: string): Promise<ApiResponse> {
  const f = tagged(ctx, id);
  const tags = Object.entries(f.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
  return { status: 200, json: ListTagsResponseSchema.parse({ tags, sys_tags: [] }) };
}

async function changeTags(ctx: EmulatorContext, id: string, req: ApiRequest, action: "create" | "delete"): Promise<ApiResponse> {
  const f = tagged(ctx, id);
  const body = validateBody(TagsRequestSchema, parseJsonBody(req.body));
  if (body.action !== undefined && body.action !== action) throw Errors.badRequest(`Invalid request body: action: expected '${action}'`);
  const next: Record<string, string> = { ...(f.tags ?? {}) };
  for (const t of body.tags) {
    if (action === "create") Object.defineProperty(next, t.key, { value: t.value ?? "", enumerable: true, writable: true, configurable: true });
    else delete next[t.key];
  }
  const total = TagsSchema.safeParse(next);
  if (!total.success) throw Errors.badRequest(`Invalid request body: tags: ${total.error.issues[0].message}`);
  f.tags = next;
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 204 };
}

/**
 * Matches the decoded segments after `/v2/{project_id}/functions` (the tags API): `[id, "tags"]`,
 * `[id, "tags", "create"]`, `[id, "tags", "delete"]`.
 */
export function matchTagsRoute(method: string, segments: string[]): RouteMatch | undefined {
  const [id, tags, action, ...rest] = segments;
  if (!id || tags !== "tags" || rest.length > 0) return undefined;
  if (action === undefined && method === "GET") return { operation: "listTags", handler: (ctx) => listTags(ctx, id) };
  if (action === "create" && method === "POST") return { operation: "createTags", handler: (ctx, req) => changeTags(ctx, id, req, "create") };
  if (action === "delete" && method === "DELETE") return { operation: "deleteTags", handler: (ctx, req) => changeTags(ctx, id, req, "delete") };
  return undefined;
}
