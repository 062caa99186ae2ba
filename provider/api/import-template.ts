/**
 * The import template (`<func_name>.yaml` in an import package), derived from the property table's `yaml`
 * fields: the provider writes it from checked arguments, and its zod schema — shared with the emulator —
 * checks a template's types, naming the field and the type expected (limits are the config route's: the
 * emulator turns the template into config fields and validates them as `PUT …/config` does).
 */
import { z } from "zod";
import { FUNCTION_PROPERTIES, sortedMap } from "./function-properties";
import { getPath, row, setPath, type ArgName, type PropertyName } from "./property-derivations";

import { IMPORT_CODE_FILE_NAME } from "./import-package";

/** The resource type the template declares. */
export const TEMPLATE_RESOURCE_TYPE = "HC::Serverless::Function";

/** The properties the template carries (rows with a `yaml` field). */
export const YAML_NAMES = (Object.keys(FUNCTION_PROPERTIES) as PropertyName[]).filter((n) => row(n).yaml !== undefined) as ArgName[];

/** The settings the import template carries: the function name and the `yaml` rows' argument values. */
export type ImportSettings = { funcName: string } & { [K in (typeof YAML_NAMES)[number]]?: unknown };

/** The template's `Properties` for the settings (unset values as the service's "not set", maps sorted). */
export function templateProperties(settings: ImportSettings): Record<string, unknown> {
  const props: Record<string, unknown> = { CodeType: "zip", CodeFileName: IMPORT_CODE_FILE_NAME, Version: "latest" };
  const values = settings as Record<string, unknown>;
  for (const name of YAML_NAMES) {
    const r = row(name);
    let v = values[name] ?? r.unset;
    if (v === undefined) continue;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) v = sortedMap(v as Record<string, string>);
    setPath(props, r.yaml!, v);
  }
  return props;
}

/** The whole template document for one function. */
export function templateDocument(settings: ImportSettings): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  setPath(resources, settings.funcName, { Type: TEMPLATE_RESOURCE_TYPE, Properties: templateProperties(settings) });
  return { HcCrmTemplateVersion: "v1", Resources: resources };
}

/** The type (not the limits) of a row's value, as a template may write it. */
function typeOnly(schema: z.ZodType): z.ZodType {
  switch ((schema as unknown as { _zod: { def: { type: string } } })._zod.def.type) {
    case "string": case "enum": return z.string();
    case "number": return z.number();
    case "boolean": return z.boolean();
    // Variable maps: string values (an empty YAML value reads as null: an empty string).
    case "record": return z.record(z.string(), z.string().nullable());
    case "array": return z.array(z.unknown());
    default: return z.unknown();
  }
}

function propertiesSchema(): z.ZodType<Record<string, unknown>> {
  const nested: Record<string, Record<string, z.ZodType>> = {};
  const shape: Record<string, z.ZodType> = {
    CodeType: z.string().optional(),
    CodeFileName: z.string().min(1, { message: "must name the code file in the package" }),
    DependencyPkg: z.string().nullish(),
    Version: z.string().nullish(),
  };
  for (const name of YAML_NAMES) {
    const r = row(name);
    const leaf = r.required ? typeOnly(r.type) : typeOnly(r.type).nullish();
    const [head, ...rest] = r.yaml!.split(".");
    if (rest.length === 0) shape[head] = leaf;
    else (nested[head] ??= {})[rest.join(".")] = leaf;
  }
  for (const [head, fields] of Object.entries(nested)) shape[head] = z.looseObject(fields).nullish();
  return z.looseObject(shape) as z.ZodType<Record<string, unknown>>;
}

/** One function resource of a template: `Type` and its `Properties` (types checked, field named on failure). */
export const TemplateResourceSchema = z.looseObject({
  Type: z.literal(TEMPLATE_RESOURCE_TYPE).optional(),
  Properties: propertiesSchema(),
});

/** The template document: `HcCrmTemplateVersion` and the `Resources` mapping. */
export const TemplateDocumentSchema = z.looseObject({
  HcCrmTemplateVersion: z.string().optional(),
  Resources: z.record(z.string(), z.unknown()),
});

/** The property a template path names (`Environment.Variables.A` → `environment`), if any. */
export function propertyOfTemplatePath(path: readonly PropertyKey[]): ArgName | undefined {
  const text = path.map(String).join(".");
  return YAML_NAMES.find((n) => text === row(n).yaml || text.startsWith(`${row(n).yaml}.`));
}

/**
 * The argument values a (schema-checked) template's properties give: absent ones take the row's default,
 * empty variable values read as `""`.
 */
export function templateValues(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of YAML_NAMES) {
    const r = row(name);
    let v = getPath(props, r.yaml!);
    if (v === null) v = undefined;
    if (v !== undefined && typeof v === "object" && !Array.isArray(v)) {
      v = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, x ?? ""]));
    }
    out[name] = v ?? r.default ?? r.unset;
  }
  return out;
}
