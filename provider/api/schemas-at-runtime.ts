/**
 * The schemas, loaded when first needed instead of imported as values. Pulumi's function serializer cannot
 * capture zod schema objects (their bound methods fail with "Could not find [[Scopes]] property"), and a
 * dynamic provider that captures this client by value would capture every schema it references. Going through
 * `require` inside a function leaves only a module name in the serialized code.
 *
 * Resolution: the package's own name first (what a program that installed pulumi-functiongraph resolves from
 * its directory, and a self-reference inside this package), then this file's sibling by absolute path
 * (a serialized provider run on the machine that serialized it, from a checkout).
 */
import type * as Schemas from "./schemas";

/** The schemas module as a program that depends on this package requires it. */
const PACKAGE_PATH = "pulumi-functiongraph/dist/provider/api/schemas.js";

/** This checkout's schemas module (a plain string: safe to capture). */
const LOCAL_PATH: string = `${__dirname}/schemas`;

/** The zod schemas of provider/api/schemas.ts, required at call time. */
export function schemas(): typeof Schemas {
  try {
    return require(PACKAGE_PATH) as typeof Schemas;
  } catch {
    return require(LOCAL_PATH) as typeof Schemas;
  }
}

/** This checkout's import-template module (a plain string: safe to capture). */
const TEMPLATE_LOCAL_PATH: string = `${__dirname}/import-template`;

/** The import template module (import-template.ts: the property table and zod), required at call time. */
export function importTemplate(): typeof import("./import-template") {
  try {
    return require("pulumi-functiongraph/dist/provider/api/import-template.js") as typeof import("./import-template");
  } catch {
    return require(TEMPLATE_LOCAL_PATH) as typeof import("./import-template");
  }
}
