/**
 * A function's stored configuration, derived from the property table (provider/api/function-properties.ts):
 * which fields a `PUT …/config` body sets (each row's `config` field; `null` clears one), where the emulator
 * keeps values set by dedicated calls (`store`), how the stored fields render into the model (`model`; rows
 * the service never returns are never rendered), and the config an import template gives.
 */
import {
  apiUnset, CONFIG_NAMES, fromApiValue, deletePath, getPath, MODEL_NAMES, row, setPath, toApiValue, type PropertyName,
} from "../../provider/api/property-derivations";
import { templateDocument, templateValues, YAML_NAMES, type ImportSettings } from "../../provider/api/import-template";
import { MAX_INSTANCE_DEFAULT } from "../../provider/api/constraints";
import { Errors } from "../http/errors";

/** Config fields the emulator keeps itself rather than from the body (identity). */
const IDENTITY_FIELDS = new Set(["func_name"]);

/** Where a property is stored in a config record. */
function storePath(name: PropertyName): string | undefined {
  const r = row(name);
  if (r.apply === "output") return undefined;
  return r.store ?? r.config ?? r.code ?? (r.yaml !== undefined ? r.model : undefined);
}

/**
 * Applies a validated `PUT …/config` body to a config (in place): every table field present is set, `null`
 * removes it; absent fields keep their value [U]; fields the table does not know are ignored.
 */
export function applyConfigBody(config: Record<string, unknown>, body: Record<string, unknown>): void {
  for (const name of CONFIG_NAMES) {
    const r = row(name);
    if (IDENTITY_FIELDS.has(r.config!)) continue;
    const v = getPath(body, r.config!);
    if (v === undefined) continue;
    if (v === null) deletePath(config, r.config!);
    else setPath(config, r.config!, structuredClone(v));
    for (const k of Object.keys({ ...r.alsoSend, ...r.alsoSendCleared })) {
      const extra = getPath(body, k);
      if (extra !== undefined && extra !== null) setPath(config, k, extra);
    }
  }
}

/**
 * The model fields of a stored config: each read-back row's stored value, or — for top-level fields — the
 * service's "not set" value. Write-only rows (e.g. `encrypted_user_data`) are never rendered.
 */
export function renderConfigFields(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { strategy_config: { concurrency: MAX_INSTANCE_DEFAULT } };
  for (const name of MODEL_NAMES) {
    const r = row(name);
    const at = storePath(name);
    if (at === undefined || IDENTITY_FIELDS.has(at)) continue;
    let v = getPath(config, at);
    if (v === undefined && !r.model!.includes(".")) v = apiUnset(name);
    if (v !== undefined) setPath(out, r.model!, structuredClone(v));
  }
  return out;
}

/** Sets a value a dedicated call manages (e.g. `maxInstanceNum`) in a stored config. */
export function storeValue(config: Record<string, unknown>, name: PropertyName, value: unknown): void {
  const at = storePath(name);
  if (at === undefined) throw Errors.internal(`no stored field for ${name}`);
  setPath(config, at, value);
}

/**
 * The config fields an import template's (schema-checked) properties give, as a config body would carry them
 * (absent ones take the defaults).
 */
export function configFromTemplate(props: Record<string, unknown>): Record<string, unknown> {
  const values = templateValues(props);
  const out: Record<string, unknown> = {};
  for (const name of YAML_NAMES) {
    const at = storePath(name);
    const v = values[name];
    if (at === undefined || v === undefined) continue;
    setPath(out, at, toApiValue(name, v));
  }
  return out;
}

/**
 * The import template of a stored config (what export returns): the template rows' values read back from the
 * config, written exactly as the provider writes an import template — so an export imports again unchanged.
 */
export function templateOfConfig(name: string, config: Record<string, unknown>): Record<string, unknown> {
  const settings: Record<string, unknown> = { funcName: name };
  for (const n of YAML_NAMES) {
    const at = storePath(n);
    if (at !== undefined) settings[n] = fromApiValue(n, getPath(config, at));
  }
  const doc = templateDocument(settings as ImportSettings);
  const props = (getPath(doc, "Resources") as Record<string, { Properties: Record<string, unknown> }>)[name].Properties;
  props.CodeType = config.code_type;
  props.CodeFileName = config.code_filename;
  return doc;
}
