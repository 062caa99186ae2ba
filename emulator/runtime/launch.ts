/**
 * How an instance's process is started for each runtime family: the command line (with the memory limit the
 * machine lets us enforce), the stdio layout, the working directory, and the sandbox around it (sandbox.ts):
 * the code, runners and temp dir at fixed paths, the interpreter's prefix read-only, the function's own user.
 *
 * Memory (what is enforced): the process's data segment (RLIMIT_DATA = memory_size: heap and private writable
 * mappings) — through `prlimit` for Node.js and Custom when it is installed, by the runner itself for Python —
 * plus the V8 heap (`--max-old-space-size=<memory_size>`) for Node.js. RLIMIT_AS is not used: V8 and Go reserve
 * large address ranges up front, and Node.js hangs at start under a 128 MB address-space limit. Sandboxed, where
 * the machine allows one, the instance's memory cgroup (memory-cgroup.ts, `LaunchSpec.cgroup`) holds the whole
 * instance — shared mappings and children included — and its `/dev/shm` is a tmpfs of `memory_size`.
 *
 * Processes (sandboxed; through `prlimit`, or by the runner itself for Python): RLIMIT_NPROC =
 * `maxProcessesPerFunction` for the function's own uid, which counts every process and thread of all its instances;
 * and RLIMIT_NOFILE = `FILES_PER_INSTANCE` descriptors per process, so function code cannot use up the emulator's
 * by opening connections to it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { ApiError } from "../http/errors";
import type { ResolvedRuntimeOptions } from "./options";
import { nodeInterpreter, pythonInterpreter, type Interpreter } from "./interpreters";
import { NODE_RUNNER_FILE } from "./runner-node";
import { PYTHON_RUNNER_FILE } from "./runner-python";
import { HTTP_RELAY_FILE, HTTP_RELAY_SOCKET } from "./runner-http";
import { bwrapArgs, SANDBOX_PATHS, sandboxEnv, type SandboxMount } from "./sandbox";

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

/** Open descriptors per process of a sandboxed instance: the service's documented limit ("Number of file descriptors: 1024"). */
export const FILES_PER_INSTANCE = 1024;

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
  /** Host files to open for reading and pass to the process after its stdio, in order (the sandbox's `/etc` copies). */
  inputFiles?: string[];
  /**
   * The host uid the instance's processes run as, when it is theirs alone (the sandbox as root): a server the
   * instance talks to on loopback (a Custom runtime's API) accepts connections from this uid only.
   */
  ownUid?: number;
  /**
   * Sandboxed: `args` are bwrap's; its options (`args` before `optionsEnd`) go through a pipe (`--args`) with the
   * environment of `options.env` as `--setenv` (sandbox.ts `sandboxEnv`), never on bwrap's command line or in its
   * environment; `commandAt` is where the command starts in `args`, `setpriv` whether setpriv runs before it.
   */
  sandbox?: { optionsEnd: number; commandAt: number; setpriv: boolean };
  /**
   * Sandboxed only: the memory cgroup (its directory) bwrap joins right after it is spawned, before it reads its
   * options — so every process of the instance runs in it (memory-cgroup.ts).
   */
  cgroup?: string;
}

/**
 * How instances of one runtime run in the sandbox: bwrap, and — when the emulator is root — the `setpriv` that
 * drops to the function's user. Undefined (in `InstanceLaunch`) means unsandboxed (`--unsafe-no-sandbox`).
 */
export interface SandboxRunner {
  bwrap: string;
  setpriv: string | undefined;
  /** Host files shown instead of the host's `/etc/<name>` (sandbox.ts `writeSandboxEtc`). */
  etcSources?: Record<string, string>;
  /** The compiled seccomp filter's host file (seccomp.ts), or undefined where there is none for this machine. */
  seccomp?: string;
}

/** Everything one instance's launch depends on: plain data, so each part is a parameter. */
export interface InstanceLaunch {
  family: RuntimeFamily;
  runtime: ResolvedRuntimeOptions;
  memoryMB: number;
  /** Host directories: the unpacked code (read-only), the runner scripts (read-only), the instance's temp dir. */
  dirs: { code: string; runners: string; tmp: string };
  /** The process's environment, built with the paths of `instanceView` (what the process sees). */
  env: Record<string, string>;
  /** Further host directories shown read-only inside (e.g. dependency dirs); unsandboxed, they stay where they are. */
  readOnlyMounts?: Array<{ source: string; dest: string }>;
  /** `host` (default: the host's network, loopback included) or `none` (a network namespace of its own). */
  network?: "host" | "none";
  /** The sandbox, or undefined to run unsandboxed as the emulator does without one (`--unsafe-no-sandbox`). */
  sandbox?: SandboxRunner & { user: { uid: number; gid: number } };
  /** Unsandboxed only: run as this user (the old `sandboxUser` drop), else as the emulator's user. */
  unsandboxedUser?: { uid: number; gid: number };
}

/** The code, runner and temp paths as the instance's process sees them (the sandbox's fixed paths, or the host's). */
export function instanceView(sandboxed: boolean, dirs: InstanceLaunch["dirs"]): InstanceLaunch["dirs"] {
  return sandboxed ? { code: SANDBOX_PATHS.code, runners: SANDBOX_PATHS.runners, tmp: SANDBOX_PATHS.tmp } : dirs;
}

/**
 * The interpreter command of a family, with the host prefixes the sandbox must show: none for Custom; Node.js for
 * the runner of Node.js functions and for the relay in front of an HTTP function's bootstrap. Python is the same
 * real executable with or without the sandbox (`pythonCommand` as the emulator's PATH finds it): the function's
 * PATH may find another `python3`, and `--unsafe-no-sandbox` would then run another interpreter than the sandbox.
 */
export function interpreterOf(family: RuntimeFamily, runtime: ResolvedRuntimeOptions, sandboxed: boolean): Interpreter | undefined {
  if (family === "custom") return undefined;
  if (family === "python") {
    const python = pythonInterpreter(runtime.pythonCommand);
    return sandboxed ? python : { executable: python.executable, prefixes: [] };
  }
  return sandboxed ? nodeInterpreter(runtime.nodeCommand) : { executable: runtime.nodeCommand, prefixes: [] };
}

/** The relay's socket of an HTTP function's instance whose temp dir is `tmp` (host or sandbox view). */
export function httpSocketPath(tmp: string): string {
  return path.join(tmp, HTTP_RELAY_SOCKET);
}

/** The launch of one instance: the runtime's command (with its memory limit), wrapped in the sandbox when there is one. */
export function launchSpec(l: InstanceLaunch): LaunchSpec {
  const sandboxed = l.sandbox !== undefined;
  const view = instanceView(sandboxed, l.dirs);
  const bytes = l.memoryMB * 1024 * 1024;
  const prlimit = findPrlimit();
  const interpreter = interpreterOf(l.family, l.runtime, sandboxed);
  let command: string[];
  let env = l.env;
  // Limits set by prlimit before the runtime starts (Python's runner sets its own): memory and, in the sandbox
  // where the uid is the function's alone, the processes of that uid (a fork bomb's EAGAIN).
  const limits = (): string[] => {
    const flags = [`--data=${bytes}`, ...(sandboxed ? [`--nproc=${l.runtime.maxProcessesPerFunction}`, `--nofile=${FILES_PER_INSTANCE}`] : [])];
    return prlimit && flags.length > 0 ? [prlimit, ...flags, "--"] : [];
  };
  if (l.family === "node") {
    command = [...limits(), interpreter!.executable, `--max-old-space-size=${l.memoryMB}`, path.join(view.runners, NODE_RUNNER_FILE)];
  } else if (l.family === "python") {
    // The Python runner sets both its limits itself (no prlimit process in front of the interpreter).
    command = [interpreter!.executable, "-u", "-B", path.join(view.runners, PYTHON_RUNNER_FILE)];
    env = { ...env, FGS_MEMORY_LIMIT_BYTES: String(bytes), ...(sandboxed ? { FGS_MAX_PROCESSES: String(l.runtime.maxProcessesPerFunction), FGS_MAX_FILES: String(FILES_PER_INSTANCE) } : {}) };
  } else if (l.family === "http") {
    // The relay starts the bootstrap and, once 127.0.0.1:8000 accepts, listens on its socket in the temp dir.
    command = [...limits(), interpreter!.executable, path.join(view.runners, HTTP_RELAY_FILE), httpSocketPath(view.tmp), path.join(view.code, "bootstrap")];
  } else {
    command = [...limits(), path.join(view.code, "bootstrap")]; // memory not limited without prlimit
  }
  const options: SpawnOptions = {
    cwd: sandboxed ? "/" : l.dirs.code,
    env,
    detached: true, // its own process group: a timeout or close kills everything it started
    stdio: l.family === "custom" || l.family === "http" ? ["ignore", "pipe", "pipe"] : ["pipe", "pipe", "pipe", "pipe"],
  };
  if (!l.sandbox) {
    const user = l.unsandboxedUser;
    return { command: command[0], args: command.slice(1), options: user ? { ...options, uid: user.uid, gid: user.gid } : options };
  }
  const mounts: SandboxMount[] = [
    { source: l.dirs.code, dest: view.code },
    { source: l.dirs.runners, dest: view.runners },
    { source: l.dirs.tmp, dest: view.tmp, writable: true },
    ...(interpreter?.prefixes ?? []).map((p) => ({ source: p, dest: p })),
    ...(l.readOnlyMounts ?? []),
  ];
  const { args, inputFiles, optionsEnd, commandAt } = bwrapArgs({
    user: l.sandbox.user, setpriv: l.sandbox.setpriv, mounts, etcSources: l.sandbox.etcSources, seccomp: l.sandbox.seccomp, shmBytes: bytes, network: l.network ?? "host",
    cwd: view.code, command,
  }, (options.stdio as unknown[]).length);
  return {
    command: l.sandbox.bwrap, args, options, inputFiles, sandbox: { optionsEnd, commandAt, setpriv: l.sandbox.setpriv !== undefined },
    ...(l.sandbox.setpriv ? { ownUid: l.sandbox.user.uid } : {}),
  };
}

/**
 * Descriptors this process inherited open across exec (no close-on-exec: Node opens its own with it), found once:
 * a child would inherit them too, so each is pointed at `/dev/null` in every child (`spawnInstance`).
 */
let inherited: number[] | undefined;
function inheritedDescriptors(): number[] {
  if (inherited === undefined) {
    inherited = [];
    try {
      for (const name of fs.readdirSync("/proc/self/fdinfo")) {
        const fd = Number(name);
        if (!(fd > 2)) continue;
        try {
          const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, "latin1"));
          if (flags && (parseInt(flags[1], 8) & 0o2000000) === 0) inherited.push(fd);
        } catch {
          /* closed meanwhile (the readdir's own descriptor) */
        }
      }
    } catch {
      /* no /proc: nothing known to close */
    }
  }
  return inherited;
}

/**
 * Starts the process of `spec` (with `env` instead of its own when given): its `inputFiles` are opened here and
 * passed after its stdio, and closed on this side once the child has them. A file gone since the launch was
 * built is passed empty (`/dev/null`), as the sandbox would show a file that vanished under it. Sandboxed, bwrap
 * gets an empty environment and its arguments (the function's environment among them) through a pipe after those
 * files, written once bwrap is in its memory cgroup (`spec.cgroup`). Descriptors this process inherited reach the child as `/dev/null`. Throws as `spawn` does.
 */
export function spawnInstance(spec: LaunchSpec, env?: NodeJS.ProcessEnv): ChildProcess {
  const fds: number[] = [];
  try {
    for (const file of spec.inputFiles ?? []) {
      let fd: number;
      try {
        fd = fs.openSync(file, "r");
      } catch {
        fd = fs.openSync("/dev/null", "r");
      }
      fds.push(fd);
    }
    const stdio: unknown[] = [...(spec.options.stdio as unknown[]), ...fds];
    const argsAt = stdio.length;
    if (spec.sandbox) stdio.push("pipe");
    const leaked = inheritedDescriptors().filter((fd) => fd >= stdio.length); // lower ones are replaced anyway
    if (leaked.length > 0) {
      const devNull = fs.openSync("/dev/null", "r");
      fds.push(devNull);
      for (let i = stdio.length; i <= Math.max(...leaked); i++) stdio.push("ignore");
      for (const fd of leaked) stdio[fd] = devNull;
    }
    const options = { ...spec.options, ...(env ? { env } : {}), stdio: stdio as SpawnOptions["stdio"] };
    if (!spec.sandbox) return spawn(spec.command, spec.args, options);
    const { envArgs, stage } = sandboxEnv((options.env ?? {}) as Record<string, string | undefined>, spec.sandbox.setpriv);
    const { optionsEnd, commandAt } = spec.sandbox;
    // The options through the pipe; the command (bwrap takes it from its command line only) carries no value.
    const piped = [...envArgs, ...spec.args.slice(0, optionsEnd)];
    const argv = ["--args", String(argsAt), ...spec.args.slice(optionsEnd, commandAt), ...stage, ...spec.args.slice(commandAt)];
    const child = spawn(spec.command, argv, { ...options, env: {} });
    if (spec.cgroup && child.pid !== undefined) {
      try {
        fs.writeFileSync(path.join(spec.cgroup, "cgroup.procs"), String(child.pid));
      } catch (err) {
        child.kill("SIGKILL"); // bwrap still waits for its options: nothing of the function ran
        throw new Error(`cannot put the instance in its memory cgroup ${spec.cgroup}: ${(err as Error).message}`);
      }
    }
    const pipe = child.stdio[argsAt] as NodeJS.WritableStream | null;
    pipe?.on("error", () => { /* bwrap gone before reading: its exit reports it */ });
    pipe?.end(Buffer.from(piped.map((a) => a + "\0").join(""), "utf8"));
    return child;
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}
