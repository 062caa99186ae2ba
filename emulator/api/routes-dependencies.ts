/**
 * The dependency routes under `/v2/{project_id}/fgs/dependencies` (as the official SDK sends them): create a
 * version (`POST /version`: a new numbered version of the named dependency), list dependencies, list a
 * dependency's versions, show and delete a version. A version a function uses (its head's or a published
 * version's `depend_version_list`) cannot be deleted.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  CreateDependencyVersionRequestSchema, DependencyVersionSchema, ListDependenciesResponseSchema,
  ListDependencyVersionsResponseSchema, type DependencyVersionModel,
} from "../../provider/api/dependency-schemas";
import { CompanionErrors } from "./companion-errors";
import type { EmulatorContext } from "../context";
import type { DependencyRecord, DependencyVersionRecord } from "../store/dependency-store";
import { Errors } from "../http/errors";
import { verifyCode } from "../zip/check";
import type { ApiRequest, ApiResponse } from "./routes";
import { parseJsonBody } from "./validation";

function checked<T>(schema: { safeParse(v: unknown): { success: boolean; error?: { message: string } } }, value: T): T {
  const r = schema.safeParse(value);
  if (!r.success) throw Errors.internal(`emulator produced an invalid dependency: ${r.error?.message}`);
  return value;
}

function renderVersion(dep: DependencyRecord, v: DependencyVersionRecord): DependencyVersionModel {
  return checked(DependencyVersionSchema, {
    id: v.id, owner: dep.owner, runtime: v.runtime, etag: v.etag, size: v.size, name: dep.name,
    description: v.description, file_name: v.fileName, version: v.version, dep_id: dep.id, last_modified: v.lastModified,
    is_shared: false,
  });
}

function intParam(q: URLSearchParams, name: string, min: number, max: number, dflt: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw Errors.badRequest(`${name}: expected an integer between ${min} and ${max}`);
  return Number(raw);
}

function page<T>(req: ApiRequest, items: T[]): { items: T[]; next: number } {
  const marker = intParam(req.query, "marker", 0, Number.MAX_SAFE_INTEGER, 0);
  const max = intParam(req.query, "maxitems", 1, 400, 400);
  const items2 = items.slice(marker, marker + max);
  return { items: items2, next: Math.min(marker + items2.length, items.length) };
}

/** The `createDependencyVersion` operation (api-operations.ts routes it). */
export async function createVersion(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const r = CreateDependencyVersionRequestSchema.safeParse(parseJsonBody(req.body));
  if (!r.success) {
    const issue = r.error.issues[0];
    throw CompanionErrors.invalid(issue.path.map(String).join("."), issue.message);
  }
  const body = r.data;
  if (body.depend_type === "obs" || body.depend_file === undefined) {
    // [U] The emulator cannot reach OBS: only inline zips are accepted.
    throw CompanionErrors.invalid("depend_file", "send the zip Base64-encoded with depend_type 'zip' (the emulator cannot read OBS links)");
  }
  const zip = Buffer.from(body.depend_file, "base64");
  const limit = ctx.options.limits.codeUploadBytes;
  if (zip.length > limit) throw CompanionErrors.dependencyTooLarge(zip.length, limit);
  const digest = await verifyCode(zip, "depend_file");
  const owner = ctx.scope.domainId;
  const dep: DependencyRecord = ctx.dependencies.byName(owner, body.name) ?? { id: randomUUID(), name: body.name, owner, versions: [] };
  const v: DependencyVersionRecord = {
    id: randomUUID(), version: ctx.dependencies.nextVersion(dep), runtime: body.runtime,
    description: body.description ?? "", fileName: `${body.name}.zip`, etag: createHash("md5").update(zip).digest("hex"),
    size: zip.length, digest, lastModified: ctx.now(),
  };
  dep.versions = [...dep.versions, v];
  ctx.dependencies.putBlob(digest, zip);
  ctx.dependencies.put(dep);
  await ctx.dependencies.commit();
  return { status: 200, json: renderVersion(dep, v) };
}

/** Dependencies with their latest version's fields; filters `name` (exact) and `runtime`. */
/** The `listDependencies` operation (api-operations.ts routes it). */
export async function listDependencies(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const name = req.query.get("name") || undefined;
  const runtime = req.query.get("runtime") || undefined;
  const all = ctx.dependencies.list()
    .filter((d) => !name || d.name === name)
    .map((d) => ({ d, latest: d.versions[d.versions.length - 1] }))
    .filter(({ latest }) => !runtime || latest.runtime === runtime);
  const { items, next } = page(req, all);
  const answer = {
    dependencies: items.map(({ d, latest }) => ({ ...renderVersion(d, latest), id: d.id })),
    next_marker: next, count: all.length,
  };
  return { status: 200, json: checked(ListDependenciesResponseSchema, answer) };
}

function findDependency(ctx: EmulatorContext, id: string): DependencyRecord {
  const dep = ctx.dependencies.get(id);
  if (!dep) throw CompanionErrors.dependencyNotFound(id);
  return dep;
}

function findVersion(ctx: EmulatorContext, id: string, version: string): { dep: DependencyRecord; v: DependencyVersionRecord } {
  const dep = findDependency(ctx, id);
  const v = /^\d+$/.test(version) ? dep.versions.find((x) => x.version === Number(version)) : undefined;
  if (!v) throw CompanionErrors.dependencyNotFound(`${id} version ${version}`);
  return { dep, v };
}

/** The `listDependencyVersions` operation (api-operations.ts routes it). */
export async function listVersions(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const id = req.params.id;
  const dep = findDependency(ctx, id);
  const { items, next } = page(req, dep.versions);
  const answer = { dependencies: items.map((v) => renderVersion(dep, v)), next_marker: next, count: dep.versions.length };
  return { status: 200, json: checked(ListDependencyVersionsResponseSchema, answer) };
}

/** The `showDependencyVersion` operation (api-operations.ts routes it). */
export async function showVersion(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { id, version } = req.params;
  const { dep, v } = findVersion(ctx, id, version);
  return { status: 200, json: renderVersion(dep, v) };
}

/** The `deleteDependencyVersion` operation (api-operations.ts routes it). */
export async function deleteVersion(ctx: EmulatorContext, req: ApiRequest): Promise<ApiResponse> {
  const { id, version } = req.params;
  const { dep, v } = findVersion(ctx, id, version);
  for (const f of ctx.store.list()) {
    const lists = [f.config.depend_version_list, ...f.versions.map((x) => x.config.depend_version_list)];
    if (lists.some((l) => (l ?? []).includes(v.id))) throw CompanionErrors.dependencyInUse(v.id, f.name);
  }
  dep.versions = dep.versions.filter((x) => x !== v);
  ctx.dependencies.put(dep);
  await ctx.dependencies.commit();
  return { status: 204 };
}
