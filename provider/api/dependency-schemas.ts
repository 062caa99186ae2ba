/**
 * Dependency (layer) API shapes (`/v2/{project_id}/fgs/dependencies…`, SDK models CreateDependencyRequestBody,
 * CreateDependencyVersionResponse, ListDependenciesResult, ListDependencyVersionsResult …). A dependency is a
 * name with numbered versions; each version has its own id — the id a function's `depend_version_list` names.
 */
import { z } from "zod";
import { RUNTIMES } from "./constraints";

/** Dependency name: 1–96 letters, digits, `_`, `.` or `-`, starting with a letter [U]. */
export const DEPENDENCY_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,95}$/;

/** Dependency description: at most 512 characters. */
export const DEPENDENCY_DESCRIPTION_MAX = 512;

/** `POST /dependencies/version` request body: the zip as Base64 (`depend_type: zip`) or an OBS link. */
export const CreateDependencyVersionRequestSchema = z.object({
  depend_type: z.enum(["zip", "obs"]),
  depend_file: z.base64().optional(),
  depend_link: z.string().optional(),
  runtime: z.enum(RUNTIMES),
  name: z.string().regex(DEPENDENCY_NAME_PATTERN),
  description: z.string().max(DEPENDENCY_DESCRIPTION_MAX).optional(),
});

/** A dependency version (create, show, version list items). */
export const DependencyVersionSchema = z.looseObject({
  id: z.string(),
  owner: z.string().nullish(),
  link: z.string().nullish(),
  runtime: z.string().nullish(),
  etag: z.string().nullish(),
  size: z.number().int().nullish(),
  name: z.string(),
  description: z.string().nullish(),
  file_name: z.string().nullish(),
  version: z.number().int(),
  dep_id: z.string().nullish(),
  last_modified: z.union([z.number(), z.string()]).nullish(),
  download_link: z.string().nullish(),
  is_shared: z.boolean().nullish(),
});

/** A dependency in `GET /dependencies` (its latest version's fields; `id` is the dependency's id). */
export const DependencySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  runtime: z.string().nullish(),
  version: z.number().int().nullish(),
  owner: z.string().nullish(),
});

/** `GET /dependencies` response. */
export const ListDependenciesResponseSchema = z.looseObject({
  dependencies: z.array(DependencySchema),
  next_marker: z.union([z.number(), z.string()]).nullish(),
  count: z.number().int().nullish(),
});

/** `GET /dependencies/{id}/version` response. */
export const ListDependencyVersionsResponseSchema = z.looseObject({
  dependencies: z.array(DependencyVersionSchema),
  next_marker: z.union([z.number(), z.string()]).nullish(),
  count: z.number().int().nullish(),
});

/** The create-dependency-version request body. */
export type CreateDependencyVersionRequest = z.infer<typeof CreateDependencyVersionRequestSchema>;
/** A dependency version. */
export type DependencyVersionModel = z.infer<typeof DependencyVersionSchema>;
/** A dependency (list item). */
export type DependencyModel = z.infer<typeof DependencySchema>;
