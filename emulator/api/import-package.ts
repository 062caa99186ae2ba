/**
 * The import package rules (seed 000 and the API notes): a zip holding exactly one YAML file (FSS.1022) that
 * parses (FSS.1025) and names the function under `Resources` (404 FSS.1057), whose `CodeFileName` points at the
 * code in the package — for `CodeType: zip` an inner zip that must itself be readable (FSS.1011). The YAML's
 * properties are validated like Create Function.
 */
import { propertyOfTemplatePath, TemplateDocumentSchema, TemplateResourceSchema } from "../../provider/api/import-template";
import { row } from "../../provider/api/property-derivations";
import { SIZE_LIMITS } from "../../provider/api/constraints";
import { importTooLarge, readZipChecked, verifyCode } from "../zip/check";
import { Errors } from "../http/errors";
import { configFromTemplate } from "./function-config";
import type { FunctionConfig } from "../store/records";
import { fieldError, validateConfigFields } from "./validation";
import { parseImportYaml, YAML_MAX_BYTES } from "./yaml-limits";

/** What an import package defines: the function's config and its code zip (verified; `digest` its SHA512). */
export interface ImportedFunction {
  config: FunctionConfig;
  code: Buffer;
  digest: string;
}

const isYaml = (name: string) => /\.ya?ml$/i.test(name);

/**
 * Reads and validates a decoded package for `funcName`. The template's types are checked with the shared
 * template schema (the field and the expected type named), its values then validated exactly as a
 * `PUT …/config` body is. [U] The emulator stores code as a zip, so only `CodeType: zip` is supported
 * (`inline`/`jar` give 400 FSS.1006 naming the limitation).
 */
export async function readImportPackage(pkg: Buffer, funcName: string): Promise<ImportedFunction> {
  const entries = await readZipChecked(pkg, "the package", isYaml, importTooLarge, { keepMaxBytes: YAML_MAX_BYTES });
  const yamls = entries.filter((e) => !e.isDirectory && isYaml(e.name));
  if (yamls.length !== 1) throw Errors.onlyOneYaml(yamls.length);
  const doc = parseImportYaml(yamls[0].data!.toString("utf8"));
  const parsedDoc = TemplateDocumentSchema.safeParse(doc);
  if (!parsedDoc.success) throw Errors.invalidYaml("expected a mapping with 'Resources' (a mapping of resources)");
  const resources = parsedDoc.data.Resources;
  // Own keys only: a function named `constructor` or `__proto__` is looked up, never inherited.
  if (!Object.hasOwn(resources, funcName)) throw Errors.nameNotInYaml(funcName);
  const parsed = TemplateResourceSchema.safeParse(resources[funcName]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = `Resources.${funcName}.${issue.path.map(String).join(".")}`;
    const property = propertyOfTemplatePath(issue.path.slice(1));
    const field = property ? row(property).config : undefined;
    // A wrong type is an invalid template (FSS.1025) — except variables, which have their own code (FSS.1009).
    const specific = issue.code !== "invalid_type" || field === "user_data" ? fieldError(field, `${where}: ${issue.message}`) : undefined;
    throw specific ?? Errors.invalidYaml(`${where}: ${issue.message}`);
  }
  const p = parsed.data.Properties;
  const fields = configFromTemplate(p);
  validateConfigFields(fields);

  const codeType = p.CodeType ?? "zip";
  if (codeType !== "zip") throw Errors.invalidCodeType(`'${String(codeType)}': the emulator supports CodeType zip only`);
  const codeFileName = p.CodeFileName as string;
  const codeEntries = await readZipChecked(pkg, "the package", (n) => n === codeFileName, importTooLarge, { keepMaxBytes: SIZE_LIMITS.codeUpload, verified: true });
  const codeEntry = codeEntries.find((e) => e.name === codeFileName && !e.isDirectory);
  if (!codeEntry?.data) throw Errors.invalidCode(`the code file '${codeFileName}' named by CodeFileName is not in the package`);
  const digest = await verifyCode(codeEntry.data, `the code file '${codeFileName}'`, importTooLarge);

  const config = { ...fields, code_type: "zip", code_filename: codeFileName, depend_version_list: [] } as unknown as FunctionConfig;
  return { config, code: codeEntry.data, digest };
}
