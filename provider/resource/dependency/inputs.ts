/**
 * The `Dependency` resource's inputs and outputs: the schema `check` parses and the state's shape.
 */
import { z } from "zod";
import { PROJECT_ID_PATTERN, REGION_PATTERN, RUNTIMES } from "../../api/constraints";
import { DEPENDENCY_DESCRIPTION_MAX, DEPENDENCY_NAME_PATTERN } from "../../api/dependency-schemas";

/** The user-facing arguments. */
export const DependencyInputsFields = z.object({
  sourceDir: z.string({ message: "required: the directory holding the dependency's files (e.g. nodejs/node_modules/…, python/…)" })
    .min(1, { message: "must not be empty: give the directory to package" }),
  runtime: z.enum(RUNTIMES, { message: `required: the runtime it is for, one of ${RUNTIMES.join(", ")}` }),
  name: z.string({ message: "required: the dependency name" }).regex(DEPENDENCY_NAME_PATTERN, {
    message: "must start with a letter and use at most 96 letters, digits, '_', '.' or '-'",
  }),
  description: z.string().max(DEPENDENCY_DESCRIPTION_MAX, { message: `must be at most ${DEPENDENCY_DESCRIPTION_MAX} characters` }).default(""),
  exclude: z.array(z.string({ message: "every pattern must be a string (gitignore syntax)" })).optional(),
  useIgnoreFiles: z.boolean({ message: "must be true or false" }).default(true),
  driftCheck: z.boolean({ message: "must be true or false" }).default(true),
  region: z.string().regex(REGION_PATTERN, { message: "must be a region name like 'cn-north-4'" }).optional(),
  projectId: z.string().regex(PROJECT_ID_PATTERN, { message: "must be the 32-character project id" }).optional(),
  endpoint: z.string().url({ message: "must be an absolute http(s) URL" }).optional(),
});

/** Checked inputs (with what `check` computes: the diff key). */
export interface DependencyInputs {
  sourceDir: string;
  runtime: string;
  name: string;
  description: string;
  exclude?: string[];
  useIgnoreFiles: boolean;
  driftCheck: boolean;
  region?: string;
  projectId?: string;
  endpoint?: string;
  /** SHA512 over the packaged files' paths, exec bits and bytes (same as `Function`'s). */
  sourceSha512: string;
  fileCount: number;
}

/** The outputs in state (the Pulumi id is the dependency version's id). */
export interface DependencyOutputs extends DependencyInputs {
  /** The dependency's id (all its versions share it). */
  dependencyId: string;
  /** The version number. */
  version: number;
  /** Zip size in bytes, and its MD5 as the service reports it. */
  size: number;
  etag: string;
  zipSha512: string;
  lastModified?: string | number;
}

/** What, when it changes, needs a new dependency version (a version is immutable). */
export const VERSION_KEYS = ["sourceSha512", "runtime", "name", "description", "region", "projectId"] as const;

/** Output names the `Dependency` class declares. */
export const DEPENDENCY_OUTPUT_KEYS = [
  "dependencyId", "version", "size", "etag", "zipSha512", "lastModified", "sourceSha512", "fileCount", "name", "runtime",
  "description", "driftCheck", "region", "projectId", "endpoint",
] as const;
