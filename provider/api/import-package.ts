/**
 * The import package (../shared/docs/functiongraph-api.md, "Import"): an outer zip holding `<func_name>.yaml`
 * (the HC CRM template describing the function) and `code.zip` (the code zip from packageSource, stored), plus
 * the JSON body of `POST /import`. Deterministic: identical inputs give identical bytes.
 */
import { stringify } from "yaml";
import { checkRequest } from "./errors";
import type { ImportFunctionRequest } from "./schemas";
import { importTemplate, schemas } from "./schemas-at-runtime";
import { writeStoredZip } from "./stored-zip";
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
  return stringify(importTemplate().templateDocument(settings), { version: "1.1", lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}

/**
 * Builds the import package and the request that uploads it (`file_name` `<func_name>.zip`, `file_type` `zip`,
 * `file_code` Base64). Throws `InvalidRequestError` when the name is not a valid function name.
 */
export function buildImportPackage(
  settings: ImportSettings,
  codeZip: Buffer,
): { packageZip: Buffer; request: ImportFunctionRequest } {
  const yamlText = importTemplateYaml(settings);
  const packageZip = writeStoredZip([
    { name: `${settings.funcName}.yaml`, data: Buffer.from(yamlText, "utf8") },
    { name: IMPORT_CODE_FILE_NAME, data: codeZip },
  ]);
  const request = checkRequest("import settings", schemas().ImportFunctionRequestSchema, {
    func_name: settings.funcName,
    file_name: `${settings.funcName}.zip`,
    file_type: "zip",
    file_code: packageZip.toString("base64"),
  });
  return { packageZip, request };
}
