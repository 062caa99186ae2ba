/**
 * The function's settings as the provider compares and sends them: which arguments replace the function,
 * which are settings compared with the recorded or live model, and the request shapes built from them.
 */
import { toUserData, type ImportSettings, type UpdateFunctionConfigRequest } from "../api";
import type { FunctionInputs } from "./inputs";
import type { FunctionOutputs } from "./outputs";

/** Keys whose change replaces the function (the name is unique per package and project). */
export const REPLACE_KEYS = ["funcName", "package", "region", "projectId"] as const;

/** Settings compared between the desired state and the recorded (or live) one. */
export const SETTING_KEYS = ["runtime", "handler", "memorySize", "timeout", "description", "environment"] as const;

/** The settings the import package's YAML carries. */
export function importSettings(inputs: FunctionInputs): ImportSettings {
  return {
    funcName: inputs.funcName,
    runtime: inputs.runtime,
    handler: inputs.handler,
    memorySize: inputs.memorySize,
    timeout: inputs.timeout,
    description: inputs.description,
    environment: inputs.environment,
  };
}

/** The `PUT …/config` body for the desired settings. */
export function configRequest(inputs: FunctionInputs): UpdateFunctionConfigRequest {
  return {
    func_name: inputs.funcName,
    runtime: inputs.runtime,
    handler: inputs.handler,
    memory_size: inputs.memorySize,
    timeout: inputs.timeout,
    description: inputs.description ?? "",
    // An empty string clears variables that were removed from the program.
    user_data: toUserData(inputs.environment) ?? "",
  };
}

/** Canonical text of an env map, so key order never counts as a change. */
function envKey(env: Record<string, string> | undefined): string {
  return toUserData(env) ?? "{}";
}

/** Whether one setting is equal (env maps by content, an absent description as empty). */
export function sameSetting(key: (typeof SETTING_KEYS)[number], a: unknown, b: unknown): boolean {
  if (key === "environment") return envKey(a as Record<string, string>) === envKey(b as Record<string, string>);
  if (key === "description") return (a ?? "") === (b ?? "");
  return a === b;
}

/** Settings that differ between what we want and what a model (live or recorded) has. */
export function settingChanges(desired: Partial<FunctionOutputs>, actual: Partial<FunctionOutputs>): string[] {
  return SETTING_KEYS.filter((k) => !sameSetting(k, desired[k], actual[k]));
}
