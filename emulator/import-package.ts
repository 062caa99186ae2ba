/**
 * The import package rules (seed 000 and the API notes): a zip holding exactly one YAML file (FSS.1022) that
 * parses (FSS.1025) and names the function under `Resources` (404 FSS.1057), whose `CodeFileName` points at the
 * code in the package — for `CodeType: zip` an inner zip that must itself be readable (FSS.1011). The YAML's
 * properties are validated like Create Function.
 */
import { assertZip, importTooLarge, readZipChecked } from "./code-zip-check";
import { Errors } from "./errors";
import { SIZE_LIMITS } from "../provider/api/constraints";
import type { FunctionConfig } from "./records";
import { validateFunctionFields } from "./validation";
import { parseImportYaml, YAML_MAX_BYTES } from "./yaml-limits";

export { assertZip } from "./code-zip-check";

/** What an import package defines: the function's settings and its code zip. */
export interface ImportedFunction extends Pick<FunctionConfig,
  "runtime" | "handler" | "memory_size" | "timeout" | "description" | "user_data" | "initializer_handler" | "initializer_timeout"> {
  code_filename: string;
  code: Buffer;
}

const isYaml = (name: string) => /\.ya?ml$/i.test(name);

/**
 * Reads and validates a decoded package for `funcName`. [U] The emulator stores code as a zip, so only
 * `CodeType: zip` is supported (`inline`/`jar` give 400 FSS.1006 naming the limitation).
 */
export async function readImportPackage(pkg: Buffer, funcName: string): Promise<ImportedFunction> {
  const entries = await readZipChecked(pkg, "the package", isYaml, importTooLarge, { keepMaxBytes: YAML_MAX_BYTES });
  const yamls = entries.filter((e) => !e.isDirectory && isYaml(e.name));
  if (yamls.length !== 1) throw Errors.onlyOneYaml(yamls.length);
  const doc = parseImportYaml(yamls[0].data!.toString("utf8"));
  const resources = (doc as { Resources?: unknown } | null)?.Resources;
  if (doc === null || typeof doc !== "object" || resources === null || typeof resources !== "object") {
    throw Errors.invalidYaml("expected a mapping with 'Resources'");
  }
  const resource = (resources as Record<string, unknown>)[funcName];
  if (resource === undefined) throw Errors.nameNotInYaml(funcName);
  const props = (resource as { Properties?: unknown } | null)?.Properties;
  if (props === null || typeof props !== "object") throw Errors.invalidYaml(`Resources.${funcName}.Properties must be a mapping`);
  const p = props as Record<string, unknown>;

  const variables = (p.Environment as { Variables?: unknown } | undefined)?.Variables;
  let userData = "";
  if (variables !== undefined && variables !== null) {
    if (typeof variables !== "object" || Array.isArray(variables)) throw Errors.invalidUserData("Environment.Variables must be a mapping");
    const vars = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === "string" ? v : v === null ? "" : String(v)]));
    userData = Object.keys(vars).length ? JSON.stringify(vars) : "";
  }
  const fields = {
    runtime: p.Runtime as string,
    handler: p.Handler as string,
    memory_size: (p.MemorySize ?? 128) as number,
    timeout: (p.Timeout ?? 3) as number,
    description: p.Description === undefined || p.Description === null ? "" : (p.Description as string),
    user_data: userData,
  };
  validateFunctionFields(fields);

  const codeType = p.CodeType ?? "zip";
  if (codeType !== "zip") throw Errors.invalidCodeType(`'${String(codeType)}': the emulator supports CodeType zip only`);
  const codeFileName = p.CodeFileName;
  if (typeof codeFileName !== "string" || codeFileName === "") throw Errors.invalidYaml("CodeFileName is required");
  const codeEntries = await readZipChecked(pkg, "the package", (n) => n === codeFileName, importTooLarge, { keepMaxBytes: SIZE_LIMITS.codeUpload });
  const codeEntry = codeEntries.find((e) => e.name === codeFileName && !e.isDirectory);
  if (!codeEntry?.data) throw Errors.invalidCode(`the code file '${codeFileName}' named by CodeFileName is not in the package`);
  await assertZip(codeEntry.data, `the code file '${codeFileName}'`, importTooLarge);

  const out: ImportedFunction = { ...fields, code_filename: codeFileName, code: codeEntry.data };
  if (typeof p.InitializerHandler === "string") out.initializer_handler = p.InitializerHandler;
  if (typeof p.InitializerTimeout === "number") out.initializer_timeout = p.InitializerTimeout;
  return out;
}
