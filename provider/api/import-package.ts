/**
 * The import package (../shared/docs/functiongraph-api.md, "Import"): an outer zip holding `<func_name>.yaml`
 * (the HC CRM template describing the function) and `code.zip` (the code zip from packageSource, stored), plus
 * the JSON body of `POST /import`. Deterministic: identical inputs give identical bytes. Produced on demand
 * (`importPackage`): its size is known before anything is read, and the code zip is read from its spool piece by
 * piece, so an import never holds the zip, the package or its Base64 whole.
 */
import { checkRequest } from "./errors";
import type { ImportFunctionRequest } from "./schemas";
import { importTemplate, schemas } from "./schemas-at-runtime";
import type { ZipPieces } from "../package/spooled-zip";
import { storedZip } from "./stored-zip";
import type { ImportSettings } from "./import-template";

export type { ImportSettings } from "./import-template";

/** Name of the code entry inside the import package, referenced by the YAML's `CodeFileName`. */
export const IMPORT_CODE_FILE_NAME = "code.zip";

/** Sorted copy of an env map, so serialisations do not depend on insertion order. */
function sortedEnv(env: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(env ?? {}).sort()) out[key] = env![key];
  return out;
}

/**
 * The `user_data` string the service wants for environment variables: JSON with keys sorted. `undefined` when
 * there are none (send `""` explicitly to clear an existing environment).
 */
export function toUserData(env?: Record<string, string>): string | undefined {
  if (!env || Object.keys(env).length === 0) return undefined;
  return JSON.stringify(sortedEnv(env));
}

/**
 * The template YAML text: `HcCrmTemplateVersion: v1`, one `HC::Serverless::Function` keyed by the name. Every
 * string value is double-quoted, and keys are written under YAML 1.1 rules (a key like `yes` or `n` quoted), so
 * a YAML 1.1 reader on the server cannot turn `yes`, `on`, `0123` or `null` into a boolean, number or null.
 */
export function importTemplateYaml(settings: ImportSettings): string {
  // The template module holds the property table (zod): required at call time, never captured by serialization.
  // yaml is loaded with the first import too: a preview never writes a template.
  const { stringify } = require("yaml") as typeof import("yaml");
  return stringify(importTemplate().templateDocument(settings), { version: "1.1", lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}

/** The `POST /import` request without its `file_code` (the package, sent as Base64 by the client). */
export type ImportFields = Omit<ImportFunctionRequest, "file_code">;

/** An import package produced on demand, and the request fields that go with it. */
export interface ImportPackage extends ZipPieces {
  /** `func_name`, `file_name` `<func_name>.zip`, `file_type` `zip` (the client adds `package`). */
  readonly fields: ImportFields;
}

/**
 * The import package of `code` (a zip in memory or read on demand, e.g. a `PackagedSource`): `size` at once,
 * the bytes on each `pieces()` pass (the first reads the code zip once more for its CRC-32). Throws
 * `InvalidRequestError` when the name is not a valid function name.
 */
export function importPackage(settings: ImportSettings, code: Uint8Array | ZipPieces): ImportPackage {
  const fields = checkRequest("import settings", schemas().ImportFunctionRequestSchema, {
    func_name: settings.funcName, file_name: `${settings.funcName}.zip`, file_type: "zip", file_code: "",
  });
  const zip = storedZip([
    { name: `${settings.funcName}.yaml`, data: Buffer.from(importTemplateYaml(settings), "utf8") },
    { name: IMPORT_CODE_FILE_NAME, data: code },
  ]);
  return { size: zip.size, pieces: () => zip.pieces(), fields: { func_name: fields.func_name, file_name: fields.file_name, file_type: fields.file_type } };
}

/**
 * The import package and its request in memory (`file_code` Base64): for small packages and tests; `create`
 * sends `importPackage`'s streamed form. Throws `InvalidRequestError` when the name is not a valid function name.
 */
export function buildImportPackage(
  settings: ImportSettings,
  codeZip: Buffer,
): { packageZip: Buffer; request: ImportFunctionRequest } {
  const built = importPackage(settings, codeZip);
  const packageZip = Buffer.concat([...built.pieces()].map((p) => Buffer.from(p)));
  const request = checkRequest("import settings", schemas().ImportFunctionRequestSchema, {
    ...built.fields,
    file_code: packageZip.toString("base64"),
  });
  return { packageZip, request };
}
