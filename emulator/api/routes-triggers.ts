/**
 * The trigger routes under `/v2/{project_id}/fgs/triggers` (paths and bodies as the official SDK sends them):
 * create, list and batch delete on `/{function_urn}`; show, update and delete on
 * `/{function_urn}/{trigger_type_code}/{trigger_id}`. Event data is validated per type with the same rules the
 * `Trigger` resource checks at preview (provider/api/trigger-schemas.ts). Passwords in event data are stored
 * but never rendered.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import {
  CreateTriggerRequestSchema, eventDataProblems, publicEventData, triggerIdentity, TriggerSchema,
  UpdateTriggerRequestSchema, type TriggerModel,
} from "../../provider/api/trigger-schemas";
import type { EmulatorContext } from "../context";
import type { TriggerRecord } from "../store/companion-records";
import { CompanionErrors } from "./companion-errors";
import { Errors } from "../http/errors";
import { lookupFunction } from "./function-lookup";
import type { FunctionRecord } from "../store/records";
import type { ApiRequest, ApiResponse } from "./routes";
import { parseJsonBody } from "./validation";
import { apigPath } from "../apig/apig-routes";
import { runtimeOf } from "../runtime/registry";

/** Trigger types the service lets you disable (OTC API reference, "Creating a Trigger"). */
const DISABLEABLE = new Set(["TIMER", "DDS", "DMS", "KAFKA", "LTS"]);

/** Types created DISABLED when no status is given. */
const DISABLED_BY_DEFAULT = new Set(["DDS", "KAFKA"]);

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The API view of a trigger record (passwords left out), checked against the shared schema. An APIG trigger's
 * `invoke_url` is rendered from the emulator's gateway as it listens now (apig-gateway.ts keeps its port per data
 * dir, so the URL is stable across restarts).
 */
export function renderTrigger(ctx: EmulatorContext, t: TriggerRecord): TriggerModel {
  const eventData = publicEventData(t.eventData);
  if (isApig(t.type)) eventData.invoke_url = `${runtimeOf(ctx).gateway.url()}${apigPath(t.eventData)}`;
  const model = {
    trigger_id: t.id, trigger_type_code: t.type, trigger_status: t.status, event_data: eventData,
    last_updated_time: iso(t.updatedAt), created_time: iso(t.createdAt),
  };
  const r = TriggerSchema.safeParse(model);
  if (!r.success) throw Errors.internal(`emulator produced an invalid trigger: ${r.error.message}`);
  return model;
}

function assertEventData(type: string, data: unknown): void {
  const [first] = eventDataProblems(type, data);
  if (first) throw CompanionErrors.invalid(`event_data${first.path ? `.${first.path}` : ""}`, first.message);
}

function assertStatus(type: string, status: string): void {
  if (status === "DISABLED" && !DISABLEABLE.has(type)) throw CompanionErrors.cannotDisable(type);
}

const isApig = (type: string) => type === "APIG" || type === "DEDICATEDGATEWAY";

/** Server-assigned event data the service adds for some types (e.g. the API an APIG trigger creates). */
function generatedFields(ctx: EmulatorContext, f: FunctionRecord, type: string, d: Record<string, unknown>): Record<string, unknown> {
  if (!isApig(type)) return {};
  const apiId = randomUUID().replace(/-/g, "");
  return {
    api_id: apiId,
    api_name: d.name ?? `API_${f.name.replace(/-/g, "_")}`,
    invoke_url: `${runtimeOf(ctx).gateway.url()}${apigPath(d)}`,
  };
}

/** The `createTrigger` operation (api-operations.ts routes it). */
export async function createTrigger(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { f, qualifier } = lookupFunction(ctx, req.urn);
  const parsed = CreateTriggerRequestSchema.safeParse(parseJsonBody(req.body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw CompanionErrors.invalid(issue.path.map(String).join("."), issue.message);
  }
  const body = parsed.data;
  const type = body.trigger_type_code;
  assertEventData(type, body.event_data);
  const status = body.trigger_status ?? (DISABLED_BY_DEFAULT.has(type) ? "DISABLED" : "ACTIVE");
  assertStatus(type, status);
  const id = triggerIdentity(type, body.event_data);
  const existing = (f.triggers ?? []).filter((t) => t.qualifier === qualifier);
  if (id !== undefined && existing.some((t) => t.type === type && isDeepStrictEqual(triggerIdentity(t.type, t.eventData), id))) {
    throw CompanionErrors.triggerExists(JSON.stringify(id));
  }
  const now = ctx.now();
  const record: TriggerRecord = {
    id: randomUUID(), type, status, qualifier, createdAt: now, updatedAt: now,
    eventData: { ...body.event_data, ...generatedFields(ctx, f, type, body.event_data) },
  };
  f.triggers = [...(f.triggers ?? []), record];
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderTrigger(ctx, record) };
}

/** The `listTriggers` operation (api-operations.ts routes it). */
export async function listTriggers(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { f, qualifier } = lookupFunction(ctx, req.urn);
  return { status: 200, json: (f.triggers ?? []).filter((t) => t.qualifier === qualifier).map((t) => renderTrigger(ctx, t)) };
}

/** The `batchDeleteTriggers` operation (api-operations.ts routes it). */
export async function batchDeleteTriggers(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { f, qualifier } = lookupFunction(ctx, req.urn);
  f.triggers = (f.triggers ?? []).filter((t) => t.qualifier !== qualifier);
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 204 };
}

function findTrigger(ctx: EmulatorContext, req: ApiRequest, type: string, id: string): { f: FunctionRecord; t: TriggerRecord } {
  const { f, qualifier } = lookupFunction(ctx, req.urn);
  const t = (f.triggers ?? []).find((x) => x.id === id && x.type === type && x.qualifier === qualifier);
  if (!t) throw CompanionErrors.triggerNotFound(id);
  return { f, t };
}

/** The `showTrigger` operation (api-operations.ts routes it). */
export async function showTrigger(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { type, id } = req.params;
  return { status: 200, json: renderTrigger(ctx, findTrigger(ctx, req, type, id).t) };
}

/** The `updateTrigger` operation (api-operations.ts routes it). */
export async function updateTrigger(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { type, id } = req.params;
  const { f, t } = findTrigger(ctx, req, type, id);
  const parsed = UpdateTriggerRequestSchema.safeParse(parseJsonBody(req.body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw CompanionErrors.invalid(issue.path.map(String).join("."), issue.message);
  }
  const body = parsed.data;
  if (body.trigger_status) assertStatus(t.type, body.trigger_status);
  if (body.event_data) assertEventData(t.type, body.event_data);
  if (body.trigger_status) t.status = body.trigger_status;
  if (body.event_data) {
    // Server-assigned fields (api_id, invoke_url) survive; passwords not sent again are kept.
    t.eventData = { ...t.eventData, ...body.event_data };
  }
  t.updatedAt = ctx.now();
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderTrigger(ctx, t) };
}

/** The `deleteTrigger` operation (api-operations.ts routes it). */
export async function deleteTrigger(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { type, id } = req.params;
  const { f, t } = findTrigger(ctx, req, type, id);
  f.triggers = (f.triggers ?? []).filter((x) => x !== t);
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 204 };
}
