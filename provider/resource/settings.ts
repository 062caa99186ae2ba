/**
 * The function's settings as the provider compares and sends them, derived from the property table: which
 * arguments replace the function, which are compared with the recorded or live model (and by which call each
 * is applied), and the request shapes built from them.
 */
import type { UpdateFunctionConfigRequest } from "../api";
import type { ApplyBy } from "../api/function-properties";
import type { ImportSettings } from "../api/import-template";
import { YAML_NAMES } from "../api/import-template";
import {
  changedNames, configBody, MODEL_NAMES, namesApplied, row, sameValue, type PropertyName,
} from "../api/property-derivations";
import type { FunctionInputs } from "./inputs";
import type { FunctionOutputs } from "./outputs";

/** Keys whose change replaces the function (identity: the name is unique per package and project). */
export const REPLACE_KEYS = namesApplied("replace");

/** Settings compared between the desired state and the recorded one (every call-applied argument). */
export const SETTING_KEYS = namesApplied("config", "maxInstance", "tags", "asyncConfig", "reserved", "code")
  .filter((n) => row(n).apply !== "code" || row(n).code !== undefined);

/** Settings read back from the model, by the call that applies them (drift-checked). */
function readBack(apply: ApplyBy): PropertyName[] {
  return namesApplied(apply).filter((n) => MODEL_NAMES.includes(n) && (apply !== "code" || row(n).code !== undefined));
}

/** Config settings the model returns (compared with the live model). */
export const CONFIG_READ_KEYS = readBack("config");
/** Config settings the service never returns (compared with the recorded outputs only). */
export const CONFIG_WRITE_ONLY_KEYS = namesApplied("config").filter((n) => row(n).writeOnly);
/** Settings applied with `PUT …/code` and read back (`dependencies`). */
export const CODE_READ_KEYS = readBack("code");
/** Settings applied with the max-instance call. */
export const MAX_INSTANCE_KEYS = readBack("maxInstance");
/** Every setting read back from the model: what drift compares. */
export const DRIFT_KEYS = [...CONFIG_READ_KEYS, ...CODE_READ_KEYS, ...MAX_INSTANCE_KEYS];

/** The settings the import package's YAML carries. */
export function importSettings(inputs: FunctionInputs): ImportSettings {
  const values = inputs as unknown as Record<string, unknown>;
  return { funcName: inputs.funcName, ...Object.fromEntries(YAML_NAMES.map((n) => [n, values[n]])) } as ImportSettings;
}

/** Whether one setting is equal (absent = the service's "not set" value; maps by content). */
export function sameSetting(key: PropertyName, a: unknown, b: unknown): boolean {
  return sameValue(key, a, b);
}

/** Of `keys`, those whose desired value differs from the actual one (only where they can be compared). */
export function changedKeys(keys: readonly PropertyName[], desired: Partial<FunctionOutputs>, actual: Partial<FunctionOutputs>): PropertyName[] {
  return changedNames(keys, desired as Record<string, unknown>, actual as Record<string, unknown>);
}

/** Config settings that differ between what we want and what a model (live or recorded) has. */
export function settingChanges(desired: Partial<FunctionOutputs>, actual: Partial<FunctionOutputs>): string[] {
  return changedKeys(CONFIG_READ_KEYS, desired, actual);
}

/** Config settings compared with what the service has: those it returns, and the write-only ones. */
const CONFIG_KEYS = [...CONFIG_READ_KEYS, ...CONFIG_WRITE_ONLY_KEYS];

/**
 * The `PUT …/config` body to send, or `undefined` when nothing differs: the settings the `live` model (its
 * outputs, `modelOutputs`) shows different from the `desired` ones (`settingsOutputs` of the inputs), and the
 * write-only ones (never returned) that differ from what the resource `recorded` (absent: a new function, so any
 * given). An unset setting is sent as the value that clears it when the service has something else.
 */
export function configUpdate(
  inputs: FunctionInputs, desired: Partial<FunctionOutputs>, live: Partial<FunctionOutputs>, recorded?: Partial<FunctionOutputs>,
): UpdateFunctionConfigRequest | undefined {
  const written = recorded as Record<string, unknown> | undefined;
  const actual = { ...live, ...Object.fromEntries(CONFIG_WRITE_ONLY_KEYS.map((k) => [k, written?.[k]])) };
  if (changedNames(CONFIG_KEYS, desired as Record<string, unknown>, actual).length === 0) return undefined;
  return configBody(inputs as unknown as Record<string, unknown>, actual) as UpdateFunctionConfigRequest;
}
