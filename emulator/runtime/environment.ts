/**
 * The environment of a function's process, built from scratch: the service's `RUNTIME_*` variables, the
 * function's `user_data` (also copied into the environment, as Huawei's own local runner does), a minimal
 * PATH/HOME/TMPDIR — and nothing of the emulator's own environment (no credentials, no state).
 */
import { cpuForMemory } from "../../provider/api/constraints";
import { parseJsonObject } from "../http/json-object";
import type { InvokeTarget } from "./target";
import { INVOKE_LIMITS } from "./options";

/** Where the instance's code and temp dir are. */
export interface InstanceDirs {
  codeRoot: string;
  tmpDir: string;
}

/** The user's variables: `user_data` plus `encrypted_user_data` (the emulator stores it as given), JSON objects of strings. */
export function userVariables(target: InvokeTarget): Record<string, string> {
  const parse = (text: string | undefined): Record<string, string> => {
    const v = text ? parseJsonObject(text) : undefined;
    return v ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)])) : {};
  };
  return { ...parse(target.config.user_data), ...parse(target.config.encrypted_user_data as string | undefined) };
}

/** The whole environment of an instance of `target`. */
export function buildEnvironment(target: InvokeTarget, projectId: string, dirs: InstanceDirs): Record<string, string> {
  const c = target.config;
  const user = userVariables(target);
  return {
    ...user,
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: dirs.tmpDir,
    TMPDIR: dirs.tmpDir,
    LANG: "C.UTF-8",
    RUNTIME_PROJECT_ID: projectId,
    RUNTIME_FUNC_NAME: target.f.name,
    RUNTIME_FUNC_VERSION: target.version,
    RUNTIME_PACKAGE: target.f.package,
    RUNTIME_HANDLER: c.handler,
    RUNTIME_TIMEOUT: String(c.timeout),
    RUNTIME_USERDATA: JSON.stringify(user),
    RUNTIME_CPU: String(cpuForMemory(c.memory_size)),
    RUNTIME_MEMORY: String(c.memory_size),
    RUNTIME_CODE_ROOT: dirs.codeRoot,
    RUNTIME_INITIALIZER_HANDLER: (c.initializer_handler as string | undefined) ?? "",
    RUNTIME_INITIALIZER_TIMEOUT: String((c.initializer_timeout as number | undefined) ?? 0),
    RUNTIME_MAX_RESP_BODY_SIZE: String(INVOKE_LIMITS.syncPayloadBytes),
  };
}
