/**
 * The one "parse JSON, must be a plain object" step: a runner's fd-3 message, a function's APIG answer, an
 * admin request body, a function's `user_data`. Anything else — bad JSON, an array, `null`, a scalar — is
 * `undefined`, for the caller to refuse in its own words.
 */

/** The JSON object in `text`, or undefined when `text` is not JSON or not a plain object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
