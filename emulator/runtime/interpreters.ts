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
    hit = { executable, prefixes: [prefixOf(executable)] };
    cache.set(`node:${command}`, hit);
  }
  return hit;
}

/** The Python interpreter behind `command` (a path or a name on the PATH); throws when it cannot be run. */
export function pythonInterpreter(command: string): Interpreter {
  let hit = cache.get(`python:${command}`);
  if (!hit) {
    const out = execFileSync(command, ["-c", "import json, sys; print(json.dumps([sys.executable, sys.base_prefix, sys.prefix]))"],
      { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] });
    const [exe, basePrefix, prefix] = JSON.parse(out.trim().split("\n").pop()!) as string[];
    const executable = fs.realpathSync(exe);
    hit = { executable, prefixes: [...new Set([basePrefix, prefix, prefixOf(executable)].map((p) => fs.realpathSync(p)))] };
    cache.set(`python:${command}`, hit);
  }
  return hit;
}
