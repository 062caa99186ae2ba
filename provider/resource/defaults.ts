import { FUNCTION_PROPERTIES } from "../api/function-properties";

type Rows = typeof FUNCTION_PROPERTIES;
type Defaulted = { [K in keyof Rows]: Rows[K] extends { default: infer D } ? D : never };

/**
 * Defaults of the `Function` resource's optional arguments, read from the property table (the one place they
 * are written; `check` and the README read them from there too).
 */
export const FUNCTION_DEFAULTS = Object.fromEntries(
  Object.entries(FUNCTION_PROPERTIES).filter(([, r]) => "default" in r).map(([k, r]) => [k, (r as { default: unknown }).default]),
) as { readonly [K in keyof Defaulted as Defaulted[K] extends never ? never : K]: Defaulted[K] };

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
