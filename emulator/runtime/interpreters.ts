/**
 * Where the runtimes' interpreters live, so the sandbox can show them read-only at the same paths: the real
 * executable (a `python3` on the PATH may be a pyenv shim script) and the installation prefixes it needs (its
 * libraries and standard modules). Unsandboxed instances run the same real executable. Python is asked once per command (`sys.executable`, `sys.base_prefix`,
 * `sys.prefix` — a virtualenv needs both); Node.js is its executable's `<prefix>/bin/node`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** An interpreter as the sandbox runs it. */
export interface Interpreter {
  /** The real executable (absolute). */
  executable: string;
  /** Host directories to show read-only at the same path (the installation prefix). */
  prefixes: string[];
  /** Its version as the runtime names count it: `3.11` for Python, the major (`22`) for Node.js. */
  version?: string;
}

const cache = new Map<string, Interpreter>();

/** The installation directory of a `<prefix>/bin/<exe>` layout, else the executable's own directory. */
function prefixOf(executable: string): string {
  const dir = path.dirname(executable);
  return path.basename(dir) === "bin" ? path.dirname(dir) : dir;
}

/** The Node.js interpreter behind `command` (a path). */
export function nodeInterpreter(command: string): Interpreter {
  let hit = cache.get(`node:${command}`);
  if (!hit) {
    const executable = fs.realpathSync(command);
    const version = executable === fs.realpathSync(process.execPath) ? process.versions.node
      : execFileSync(executable, ["-p", "process.versions.node"], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
    hit = { executable, prefixes: [prefixOf(executable)], version: version.split(".")[0] };
    cache.set(`node:${command}`, hit);
  }
  return hit;
}

/**
 * The Python interpreter behind `command` (a path or a name on the PATH); throws when it cannot be run.
 * `pyenvVersion` asks a pyenv shim for that version (`PYENV_VERSION`) instead of the one pyenv selects.
 */
export function pythonInterpreter(command: string, pyenvVersion?: string): Interpreter {
  const key = `python:${command}${pyenvVersion ? `@${pyenvVersion}` : ""}`;
  let hit = cache.get(key);
  if (!hit) {
    const out = execFileSync(command, ["-c", "import json, sys; print(json.dumps([sys.executable, sys.base_prefix, sys.prefix, '%d.%d' % sys.version_info[:2]]))"],
      { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"], env: pyenvVersion ? { ...process.env, PYENV_VERSION: pyenvVersion } : process.env });
    const [exe, basePrefix, prefix, version] = JSON.parse(out.trim().split("\n").pop()!) as string[];
    const executable = fs.realpathSync(exe);
    hit = { executable, prefixes: [...new Set([basePrefix, prefix, prefixOf(executable)].map((p) => fs.realpathSync(p)))], version };
    cache.set(key, hit);
  }
  return hit;
}

/** The commands a pool of one runtime runs on, and the line that says when its version is not the runtime's. */
export interface RuntimeCommand {
  command: string;
  /** `runtime Python3.10 runs on Python 3.11 here (…)`, when the interpreter's version differs; else undefined. */
  notice?: string;
}

const chosen = new Map<string, RuntimeCommand>();

/** The interpreter, or undefined when `command` cannot be run (a pyenv shim of a version not selected, …). */
function tryInterpreter(find: (command: string) => Interpreter, command: string): Interpreter | undefined {
  try {
    return find(command);
  } catch {
    return undefined;
  }
}

/** Every `node` on the PATH (distinct executables), in PATH order. */
function nodesOnPath(): string[] {
  const found = new Set<string>();
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    try {
      const file = path.join(dir, "node");
      fs.accessSync(file, fs.constants.X_OK);
      found.add(fs.realpathSync(file));
    } catch {
      /* none here */
    }
  }
  return [...found];
}

/**
 * The command a function of `runtime` (`Python3.10`, `Node.js18.15`) runs on: with the default commands
 * (`python3`, the emulator's own node), the interpreter of the runtime's exact version when the PATH has one
 * that runs (`python3.10`, directly or as a pyenv shim; a `node` of major 18), else the default — with a notice naming the version it really
 * runs on. A command the caller chose is kept as it is. Found once per runtime; throws when the default fails.
 */
export function runtimeCommand(runtime: string, family: "node" | "python", defaults: { nodeCommand: string; pythonCommand: string },
  isDefault: boolean): RuntimeCommand {
  const key = `${family}:${runtime}:${defaults.nodeCommand}:${defaults.pythonCommand}:${isDefault}`;
  let hit = chosen.get(key);
  if (hit) return hit;
  if (family === "python") {
    const wanted = /^Python(\d+\.\d+)$/.exec(runtime)?.[1];
    // `python3.10` as the PATH runs it, else through pyenv's shim with that version asked for.
    let exact: Interpreter | undefined;
    for (const pyenv of wanted && isDefault ? [undefined, wanted] : []) {
      const found = tryInterpreter((c) => pythonInterpreter(c, pyenv), `python${wanted}`);
      if (found?.version === wanted) {
        exact = found;
        break;
      }
    }
    if (exact) hit = { command: exact.executable };
    else {
      const fallback = pythonInterpreter(defaults.pythonCommand);
      hit = { command: defaults.pythonCommand, notice: wanted && fallback.version !== wanted
        ? `runtime ${runtime} runs on Python ${fallback.version} here (${fallback.executable}: ${isDefault ? `no python${wanted} on the PATH, nor in pyenv` : "the configured command"})` : undefined };
    }
  } else {
    const wanted = /^Node\.js(\d+)/.exec(runtime)?.[1];
    const fallback = nodeInterpreter(defaults.nodeCommand);
    const exact = wanted && isDefault && fallback.version !== wanted
      ? nodesOnPath().find((n) => tryInterpreter(nodeInterpreter, n)?.version === wanted) : undefined;
    if (exact) hit = { command: exact };
    else {
      hit = { command: defaults.nodeCommand, notice: wanted && fallback.version !== wanted
        ? `runtime ${runtime} runs on Node.js ${fallback.version} here (${fallback.executable}: ${isDefault ? `no node ${wanted} on the PATH` : "the configured command"})` : undefined };
    }
  }
  chosen.set(key, hit);
  return hit;
}
