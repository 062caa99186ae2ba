/**
 * How an instance's process is started for each runtime family: the command line (with the memory limit the
 * machine lets us enforce), the stdio layout, the working directory and the sandbox user.
 *
 * Memory (what is enforced): the process's data segment (RLIMIT_DATA = memory_size: heap and private writable
 * mappings) — through `prlimit` for Node.js and Custom when it is installed, by the runner itself for Python —
 * plus the V8 heap (`--max-old-space-size=<memory_size>`) for Node.js. RLIMIT_AS is not used: V8 and Go reserve
 * large address ranges up front, and Node.js hangs at start under a 128 MB address-space limit.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { SpawnOptions } from "node:child_process";
import { ApiError } from "../errors";
import type { ResolvedRuntimeOptions } from "./options";
import { NODE_RUNNER_FILE } from "./runner-node";
import { PYTHON_RUNNER_FILE } from "./runner-python";

/** The runtime families the emulator runs. */
export type RuntimeFamily = "node" | "python" | "custom" | "http";

/** The family of a `runtime` value, or a 400 naming what is supported. */
export function runtimeFamily(runtime: string): RuntimeFamily {
  if (/^Node\.js/i.test(runtime)) return "node";
  if (/^Python3/i.test(runtime)) return "python";
  if (runtime === "Custom") return "custom";
  if (runtime === "http") return "http"; // a bootstrap serving 127.0.0.1:8000 (http-instance.ts)
  throw new ApiError(400, "FSS.0400", `the emulator cannot run runtime '${runtime}': it runs Node.js, Python 3, Custom and http functions`);
}

/** `prlimit` on the PATH, or undefined. */
let prlimitPath: string | null | undefined;
function findPrlimit(): string | undefined {
  if (prlimitPath === undefined) {
    prlimitPath = (process.env.PATH ?? "/usr/bin:/bin").split(":").map((d) => path.join(d, "prlimit")).find((p) => {
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }) ?? null;
  }
  return prlimitPath ?? undefined;
}

/** A process to start. */
export interface LaunchSpec {
  command: string;
  args: string[];
  options: SpawnOptions;
}

/** The launch of one instance. `runners` is the directory holding the runner scripts. */
export function launchSpec(family: RuntimeFamily, opts: {
  runtime: ResolvedRuntimeOptions; runners: string; codeRoot: string; env: Record<string, string>; memoryMB: number;
}): LaunchSpec {
  const base: SpawnOptions = {
    cwd: opts.codeRoot,
    env: opts.env,
    detached: true, // its own process group: a timeout or close kills everything it started
    stdio: family === "custom" ? ["ignore", "pipe", "pipe"] : ["pipe", "pipe", "pipe", "pipe"],
    ...(opts.runtime.sandboxUser ? { uid: opts.runtime.sandboxUser.uid, gid: opts.runtime.sandboxUser.gid } : {}),
  };
  const bytes = opts.memoryMB * 1024 * 1024;
  const prlimit = findPrlimit();
  if (family === "node") {
    const node = [opts.runtime.nodeCommand, `--max-old-space-size=${opts.memoryMB}`, path.join(opts.runners, NODE_RUNNER_FILE)];
    return prlimit
      ? { command: prlimit, args: [`--data=${bytes}`, "--", ...node], options: base }
      : { command: node[0], args: node.slice(1), options: base };
  }
  if (family === "python") {
    return {
      command: opts.runtime.pythonCommand,
      args: ["-u", "-B", path.join(opts.runners, PYTHON_RUNNER_FILE)],
      options: { ...base, env: { ...opts.env, FGS_MEMORY_LIMIT_BYTES: String(bytes) } },
    };
  }
  const bootstrap = path.join(opts.codeRoot, "bootstrap");
  if (prlimit) {
    return { command: prlimit, args: [`--data=${bytes}`, "--", bootstrap], options: base };
  }
  return { command: bootstrap, args: [], options: base }; // memory not limited without prlimit
}
