/**
 * Where the provider's target and credentials come from: the resource's own `region`/`projectId`/`endpoint`,
 * then the stack config handed to `configure()` (`functiongraph:*`, secrets decrypted by the engine), then the
 * environment. Read at run time in the plugin process and kept only in this module's memory: nothing here is
 * captured by the serialized provider or written to state.
 */
import { resolveTarget, type Target, type TargetOptions } from "../auth";

/** The stack config keys the provider reads, without the `functiongraph:` namespace. */
export const STACK_CONFIG_KEYS = [
  "accessKey", "secretKey", "securityToken", "authToken", "region", "projectId", "endpoint",
] as const;

let stackConfig: TargetOptions = {};

/** Minimal view of the dynamic provider's `configure` request (`req.config.get("ns:key")`). */
export interface ConfigureRequest {
  config: { get(key: string): string | undefined };
}

/** Records the stack config from `configure()`. Tolerates a plugin that never got a Configure call. */
export function recordStackConfig(req: ConfigureRequest | undefined): void {
  const next: Record<string, string> = {};
  for (const key of STACK_CONFIG_KEYS) {
    let value: string | undefined;
    try {
      value = req?.config.get(`functiongraph:${key}`);
    } catch {
      value = undefined; // no Configure call: the plugin's config object has no backing map
    }
    if (typeof value === "string" && value !== "") next[key] = value;
  }
  stackConfig = next;
}

/** The resource's own target overrides. */
export interface TargetOverrides {
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** Resolves the target for one resource (throws `ConfigurationError` listing everything missing). */
export function targetFor(overrides: TargetOverrides, env: NodeJS.ProcessEnv = process.env): Target {
  const explicit: TargetOptions = { ...stackConfig };
  if (overrides.region) explicit.region = overrides.region;
  if (overrides.projectId) explicit.projectId = overrides.projectId;
  if (overrides.endpoint) explicit.endpoint = overrides.endpoint;
  return resolveTarget(explicit, env);
}
