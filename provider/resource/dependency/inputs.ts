/**
 * The `Dependency` resource's table: each field described once — its type (the message names the fix),
 * default, and how a change is applied — with the target and switch rows `Function` has. The arguments, the
 * schema `check` parses, the outputs and the keys that make a new version are derived from it.
 */
import { z } from "zod";
import { RUNTIMES } from "../../api/constraints";
import { DEPENDENCY_DESCRIPTION_MAX, DEPENDENCY_NAME_PATTERN } from "../../api/dependency-schemas";
import { SWITCH_PROPERTIES, TARGET_PROPERTIES } from "../../api/function-properties";
import {
  namesIn, resourceKeysOf, type ArgValuesOf, type OutputValuesOf, type PropertyTable,
} from "../../api/property-derivations";

/**
 * Every field of `Dependency`, once. A version is immutable: what the service stores (runtime, name,
 * description) replaces, and the source options (`code`) count only through the hash `check` computes.
 */
export const DEPENDENCY_PROPERTIES = {
  sourceDir: {
    type: z.string({ message: "required: the directory holding the dependency's files (e.g. nodejs/node_modules/…, python/…)" })
      .min(1, { message: "must not be empty: give the directory to package" }),
    required: true, apply: "code", clear: "code", notOutput: true,
    doc: "directory to package (relative to the program directory), e.g. holding `nodejs/node_modules/…`",
  },
  runtime: {
    type: z.enum(RUNTIMES, { message: `required: the runtime it is for, one of ${RUNTIMES.join(", ")}` }),
    required: true, apply: "replace", clear: "defaulted", doc: "the runtime the dependency is for",
  },
  name: {
    type: z.string({ message: "required: the dependency name" }).regex(DEPENDENCY_NAME_PATTERN, {
      message: "must start with a letter and use at most 96 letters, digits, '_', '.' or '-'",
    }),
    required: true, filledByClass: true, apply: "replace", clear: "defaulted",
    doc: "the dependency name (default: the resource name); versions of one name are numbered 1, 2, …",
  },
  description: {
    type: z.string().max(DEPENDENCY_DESCRIPTION_MAX, { message: `must be at most ${DEPENDENCY_DESCRIPTION_MAX} characters` }),
    default: "", apply: "replace", clear: "defaulted", doc: "the version's description",
  },
  exclude: {
    type: z.array(z.string({ message: "every pattern must be a string (gitignore syntax)" })),
    apply: "code", clear: "code", notOutput: true, doc: "extra gitignore-syntax patterns left out of the package",
  },
  useIgnoreFiles: {
    type: z.boolean({ message: "must be true or false" }), default: true, apply: "code", clear: "code", notOutput: true,
    doc: "honour `.gitignore` and `.fgsignore` files",
  },
  driftCheck: { ...SWITCH_PROPERTIES.driftCheck, doc: "on every preview, check the version still exists (one GET)" },
  ...TARGET_PROPERTIES,
  dependencyId: { type: z.string(), apply: "output", clear: "output", always: true, stable: true, doc: "the dependency's id (shared by its versions)" },
  version: { type: z.number(), apply: "output", clear: "output", always: true, stable: true, doc: "the version number (1, 2, …)" },
  size: { type: z.number(), apply: "output", clear: "output", always: true, stable: true, doc: "zip size in bytes" },
  etag: { type: z.string(), apply: "output", clear: "output", always: true, stable: true, doc: "MD5 of the zip as the service reports it" },
  zipSha512: { type: z.string(), apply: "output", clear: "output", always: true, stable: true, doc: "SHA512 of the uploaded zip" },
  lastModified: { type: z.union([z.string(), z.number()]), apply: "output", clear: "output", doc: "last modification time" },
  sourceSha512: {
    type: z.string(), apply: "output", clear: "output", always: true, stable: true,
    doc: "SHA512 over the packaged files' paths, exec bits and bytes (same as `Function`'s); computed by `check`",
  },
  fileCount: { type: z.number(), apply: "output", clear: "output", always: true, stable: true, doc: "number of packaged files; computed by `check`" },
} as const satisfies PropertyTable;

/** What `Dependency` derives from its table: the schema `check` parses, the outputs. */
export const DEPENDENCY = resourceKeysOf(DEPENDENCY_PROPERTIES);

/** Checked inputs (with what `check` computes: the diff key). */
export type DependencyInputs = ArgValuesOf<typeof DEPENDENCY_PROPERTIES> & { sourceSha512: string; fileCount: number };

/** The outputs in state (the Pulumi id is the dependency version's id). */
export type DependencyOutputs = OutputValuesOf<typeof DEPENDENCY_PROPERTIES>;

/** What, when it changes, needs a new dependency version (a version is immutable): the content key and the replacing rows. */
export const VERSION_KEYS = ["sourceSha512", ...DEPENDENCY.replaceKeys];

/**
 * What changes in place: only the endpoint (delete and refresh read it from the outputs). The source options
 * matter only through the hash, and `driftCheck` is read from the new inputs: a change of those alone is no change.
 */
export const IN_PLACE_KEYS = namesIn(TARGET_PROPERTIES, "local");
