/**
 * Stack configuration: the one input that reaches both sides, the program (through the PULUMI_CONFIG /
 * PULUMI_CONFIG_SECRET_KEYS environment variables the SDK reads when its store is first created) and the
 * dynamic-provider plugin (through Configure, whole config, namespaced keys, secrets as secret wrappers).
 * Config is never written to the harness state file.
 */
import { maskValues } from "../provider/auth/redact";
import { secret } from "./wire";

/** One config value as `pulumi config set [--secret]` would store it. */
export interface ConfigValue {
  value: string;
  secret?: boolean;
}

/** Stack config keyed `namespace:key`; a key without a namespace belongs to the project (like the CLI). */
export type StackConfig = Record<string, ConfigValue>;

/** Qualifies every key with the project name when it has no namespace, as `pulumi config set key` does. */
export function namespaced(config: StackConfig, project: string): StackConfig {
  const out: StackConfig = {};
  for (const [k, v] of Object.entries(config)) out[k.includes(":") ? k : `${project}:${k}`] = v;
  return out;
}

/**
 * The environment variables through which the SDK (`runtime/config.js`) loads config into the program:
 * `PULUMI_CONFIG` is a JSON object of all values, `PULUMI_CONFIG_SECRET_KEYS` a JSON array of the secret keys
 * (so `config.get` on them warns and `config.requireSecret` returns secret outputs).
 */
export function programConfigEnv(config: StackConfig): Record<string, string> {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    values[k] = v.value;
    if (v.secret) secretKeys.push(k);
  }
  return { PULUMI_CONFIG: JSON.stringify(values), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
}

/**
 * The `args` of the Configure call, as the engine sends it to the dynamic provider: every key namespaced, secret
 * values wrapped (the plugin unwraps them with `rpc.unwrapRpcSecret` before `provider.configure` sees them).
 */
export function configureArgs(config: StackConfig): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) args[k] = v.secret ? secret(v.value) : v.value;
  return args;
}

/** Replaces every whole secret config value in a text (plugin output, error messages) by `[secret]`. */
export function redactSecrets(text: string, config: StackConfig): string {
  return maskValues(text, Object.values(config).filter((v) => v.secret).map((v) => v.value), "[secret]");
}
