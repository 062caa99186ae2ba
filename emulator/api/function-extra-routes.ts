/**
 * The function settings the service manages with their own calls (paths and bodies as the official SDK sends
 * them): `PUT /v2/{project_id}/fgs/functions/{urn}/config-max-instance` (`updateFunctionMaxInstanceConfig`),
 * and the tags API under `/v2/{project_id}/functions/{resource_id}/tags` (`createTags` POST `…/tags/create`,
 * `deleteTags` DELETE `…/tags/delete`, `listFunctionTags` GET `…/tags`; resource type `functions`, resource id
 * the function URN or its `func_id` [U]), `GET/PUT/DELETE …/{urn}/async-invoke-config` (`showFunctionAsyncInvokeConfig`,
 * `updateFunctionAsyncInvokeConfig`), `PUT …/{urn:qualifier}/reservedinstances`
 * (`updateFunctionReservedInstancesCount`) and `GET …/fgs/functions/reservedinstances?urn=`
 * (`listFunctionReservedInstances`).
 */
import {
  AsyncInvokeConfigRequestSchema, AsyncInvokeConfigSchema, ListReservedInstancesResponseSchema, ListTagsResponseSchema,
  ReservedInstancesRequestSchema, ReservedInstancesSchema, TagsRequestSchema, UpdateMaxInstanceRequestSchema,
} from "../../provider/api/schemas";
import { TagsSchema } from "../../provider/api/function-properties";
import type { EmulatorContext } from "../context";
import { ApiError, Errors } from "../http/errors";
import { storeValue } from "./function-config";
import { renderModel } from "./model";
import { touchHead, type FunctionRecord } from "../store/records";
import type { ApiRequest, ApiResponse } from "./routes";
import { buildUrn, parseUrn } from "./urn";
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

/** `GET …/tags` (`listTags`): the function's tags, sorted by key. */
export async function listTags(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = tagged(ctx, req.params.id);
  const tags = Object.entries(f.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
  return { status: 200, json: ListTagsResponseSchema.parse({ tags, sys_tags: [] }) };
}

/** `POST …/tags/create` (`createTags`): adds or replaces tags. */
export const createTags = (ctx: EmulatorContext, req: ApiRequest) => changeTags(ctx, req, "create");

/** `DELETE …/tags/delete` (`deleteTags`): removes tags by key. */
export const deleteTags = (ctx: EmulatorContext, req: ApiRequest) => changeTags(ctx, req, "delete");

async function changeTags(ctx: EmulatorContext, req: ApiRequest, action: "create" | "delete"): Promise<ApiResponse> {
  const f = tagged(ctx, req.params.id);
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

/** `GET …/async-invoke-config`: the stored settings; 404 when never set [U]. */
export async function getAsyncConfig(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = head(ctx, req.urn);
  if (!f.asyncConfig) throw new ApiError(404, "FSS.0404", `Not found the async invocation config of ${req.urn ?? ""}`);
  return { status: 200, json: AsyncInvokeConfigSchema.parse(f.asyncConfig) };
}

/** `PUT …/async-invoke-config`: replaces the settings (validated with the table's API schema). */
export async function updateAsyncConfig(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = head(ctx, req.urn);
  const body = validateBody(AsyncInvokeConfigRequestSchema, parseJsonBody(req.body));
  const now = new Date(ctx.now()).toISOString();
  f.asyncConfig = {
    ...body, func_urn: buildUrn(ctx.scope, f.package, f.name, "latest"),
    created_time: String(f.asyncConfig?.created_time ?? now), last_modified: now,
  };
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: AsyncInvokeConfigSchema.parse(f.asyncConfig) };
}

/** `DELETE …/async-invoke-config` (`deleteFunctionAsyncInvokeConfig`): removes the settings; 204 even when none [U]. */
export async function deleteAsyncConfig(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = head(ctx, req.urn);
  if (f.asyncConfig) {
    delete f.asyncConfig;
    ctx.store.put(f);
    await ctx.store.commit();
  }
  return { status: 204 };
}

/** `PUT …/{urn:qualifier}/reservedinstances`: the reserved instances of `latest`, a version, or an alias [U]. */
export async function updateReserved(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const ref = parseUrn(req.urn ?? "", ctx.scope);
  const f = ctx.store.get(ref.package, ref.name);
  if (!f) throw Errors.functionNotFound(req.urn ?? "");
  if (ref.version !== undefined && !f.versions.some((v) => v.version === ref.version)) throw Errors.functionNotFound(req.urn ?? "");
  const body = validateBody(ReservedInstancesRequestSchema, parseJsonBody(req.body));
  const qualifier = ref.alias !== undefined ? `!${ref.alias}` : ref.version ?? "latest";
  f.reserved = { ...(f.reserved ?? {}), [qualifier]: { ...body } };
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: ReservedInstancesSchema.parse(body) };
}

/** `GET …/reservedinstances?urn=`: the counts per qualified URN, of one function (or all). */
export async function listReserved(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const urn = req.query.get("urn");
  const only = urn ? parseUrn(urn, ctx.scope) : undefined;
  const items = ctx.store.list()
    .filter((f) => !only || (f.package === only.package && f.name === only.name))
    .flatMap((f) => Object.entries(f.reserved ?? {})
      .filter(([q]) => !only || (only.version === undefined && only.alias === undefined) || q === (only.alias !== undefined ? `!${only.alias}` : only.version))
      .map(([q, r]) => ({ func_urn: buildUrn(ctx.scope, f.package, f.name, q), count: Number(r.count) })));
  return { status: 200, json: ListReservedInstancesResponseSchema.parse({ reservedinstances: items, page_info: { next_marker: items.length }, count: items.length }) };
}
