/**
 * The alias routes under `/v2/{project_id}/fgs/functions/{function_urn}/aliases[/{alias_name}]` (as the
 * official SDK sends them): create, list, show, update (the whole routing in one PUT), delete. Validated with
 * the shared routing rules (provider/api/alias-schemas.ts): versions must exist, weights sum to at most 100,
 * at most 10 aliases per function. A version an alias uses cannot be deleted (`assertVersionUnused`).
 */
import {
  AliasSchema, CreateAliasRequestSchema, MAX_ALIASES, routingProblems, UpdateAliasRequestSchema, type AliasModel,
} from "../../provider/api/alias-schemas";
import type { AliasRecord } from "../store/companion-records";
import { CompanionErrors } from "./companion-errors";
import type { EmulatorContext } from "../context";
import { Errors } from "../http/errors";
import { lookupFunction, versionExists } from "./function-lookup";
import type { FunctionRecord } from "../store/records";
import type { ApiRequest, ApiResponse } from "./routes";
import { buildUrn } from "./urn";
import { parseJsonBody } from "./validation";

/** Refuses deleting a version that an alias points at or shares traffic with. */
export function assertVersionUnused(f: FunctionRecord, version: string): void {
  for (const a of f.aliases ?? []) {
    if (a.version === version || version in a.weights || version in a.strategy) throw CompanionErrors.versionInUse(version, a.name);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function renderAlias(ctx: EmulatorContext, f: FunctionRecord, a: AliasRecord): AliasModel {
  const model = {
    name: a.name, version: a.version, description: a.description, last_modified: iso(a.lastModified),
    alias_urn: buildUrn(ctx.scope, f.package, f.name, `!${a.name}`),
    additional_version_weights: { ...a.weights }, additional_version_strategy: structuredClone(a.strategy),
  };
  const r = AliasSchema.safeParse(model);
  if (!r.success) throw Errors.internal(`emulator produced an invalid alias: ${r.error.message}`);
  return model;
}

/** The function of an alias call: only the unqualified function URN owns aliases. */
function headFunction(ctx: EmulatorContext, urn: string | undefined): FunctionRecord {
  const { f, qualifier } = lookupFunction(ctx, urn);
  if (qualifier !== "latest") throw CompanionErrors.aliasOnQualifiedUrn();
  return f;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, body: Buffer): T {
  const r = schema.safeParse(parseJsonBody(body));
  if (!r.success) {
    const issue = r.error.issues[0];
    throw CompanionErrors.invalid(issue.path.map(String).join("."), issue.message);
  }
  return r.data;
}

/** Validates a routing against the function: versions exist, the shared rules hold. */
function checkRouting(f: FunctionRecord, version: string, weights: Record<string, number>, strategy: Record<string, unknown>): void {
  for (const v of [version, ...Object.keys(weights), ...Object.keys(strategy)]) {
    if (!versionExists(f, v)) throw CompanionErrors.versionNotFound(v);
  }
  const [first] = routingProblems(version, weights, strategy);
  if (first) throw CompanionErrors.invalid(first.path, first.message);
}

/** The `createAlias` operation (api-operations.ts routes it). */
export async function createAlias(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = headFunction(ctx, req.urn);
  const body = parse(CreateAliasRequestSchema, req.body);
  const aliases = f.aliases ?? [];
  if (aliases.some((a) => a.name === body.name)) throw CompanionErrors.aliasExists(body.name);
  if (aliases.length >= MAX_ALIASES) throw CompanionErrors.aliasQuota(MAX_ALIASES);
  const weights = body.additional_version_weights ?? {};
  const strategy = body.additional_version_strategy ?? {};
  checkRouting(f, body.version, weights, strategy);
  const record: AliasRecord = {
    name: body.name, version: body.version, description: body.description ?? "", weights, strategy, lastModified: ctx.now(),
  };
  f.aliases = [...aliases, record];
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderAlias(ctx, f, record) };
}

/** The `listAliases` operation (api-operations.ts routes it). */
export async function listAliases(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const f = headFunction(ctx, req.urn);
  return { status: 200, json: (f.aliases ?? []).map((a) => renderAlias(ctx, f, a)) };
}

function findAlias(ctx: EmulatorContext, req: ApiRequest, name: string): { f: FunctionRecord; a: AliasRecord } {
  const f = headFunction(ctx, req.urn);
  const a = (f.aliases ?? []).find((x) => x.name === name);
  if (!a) throw CompanionErrors.aliasNotFound(name);
  return { f, a };
}

/** The `showAlias` operation (api-operations.ts routes it). */
export async function showAlias(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const name = req.params.name;
  const { f, a } = findAlias(ctx, req, name);
  return { status: 200, json: renderAlias(ctx, f, a) };
}

/** The whole routing in one call: weights or strategy absent from the body are cleared [U]. */
/** The `updateAlias` operation (api-operations.ts routes it). */
export async function updateAlias(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const name = req.params.name;
  const { f, a } = findAlias(ctx, req, name);
  const body = parse(UpdateAliasRequestSchema, req.body);
  const weights = body.additional_version_weights ?? {};
  const strategy = body.additional_version_strategy ?? {};
  checkRouting(f, body.version, weights, strategy);
  a.version = body.version;
  if (body.description !== undefined) a.description = body.description;
  a.weights = weights;
  a.strategy = strategy;
  a.lastModified = ctx.now();
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 200, json: renderAlias(ctx, f, a) };
}

/** The `deleteAlias` operation (api-operations.ts routes it). */
export async function deleteAlias(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const name = req.params.name;
  const { f, a } = findAlias(ctx, req, name);
  f.aliases = (f.aliases ?? []).filter((x) => x !== a);
  // Triggers created on the alias's URN go with it.
  f.triggers = (f.triggers ?? []).filter((t) => t.qualifier !== `!${name}`);
  ctx.store.put(f);
  await ctx.store.commit();
  return { status: 204 };
}
