/**
 * Defaults of the `Function` resource's optional arguments, in one place (the resource class, `check` and the
 * README all read them from here).
 */
export const FUNCTION_DEFAULTS = {
  package: "default",
  memorySize: 128,
  timeout: 3,
  publishVersion: false,
  adopt: false,
  driftCheck: true,
  useIgnoreFiles: true,
} as const;

/** The code file name inside the import package (`CodeFileName` in the YAML) and for `PUT …/code`. */
export const CODE_FILE_NAME = "code.zip";

/** Pulumi's marker for a value not known during preview (see ../shared/docs/pulumi-dynamic.md). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a raw input is Pulumi's unknown sentinel, or an array/object containing it. */
export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(isUnknown);
  return false;
}
