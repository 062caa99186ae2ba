/**
 * A function's dependencies (its `depend_version_list`) as an instance sees them: each version's zip unpacked
 * once (read-only, shared like code) and put on the runtime's module path, as the service does —
 * Node.js: `<dep>/nodejs/node_modules` (and a `node_modules` at the zip's root) → `NODE_PATH`;
 * Python: `<dep>/python` (or, without one, the zip's root [inferred: packages zipped without the folder]) →
 * `PYTHONPATH`. Custom runtimes get the unpacked roots in `RUNTIME_DEPENDENCY_ROOTS` [inferred].
 * The result is extra environment plus the read-only mounts that show the unpacked dirs to the instance: in the
 * sandbox, version n of `depend_version_list` at `/opt/function/dependencies/<n>` (the variables name those
 * paths, as the process sees them); unsandboxed, at their host paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DependencyStore } from "../store/dependency-store";
import { ApiError } from "../http/errors";
import type { RuntimeFamily } from "./launch";
import { SANDBOX_PATHS } from "./sandbox";

/** What an instance gets on top of its base environment for its dependencies. */
export interface InstanceExtras {
  /** Variables to add (`NODE_PATH`, `PYTHONPATH`, `RUNTIME_DEPENDENCY_ROOTS`), with the paths the process sees. */
  env: Record<string, string>;
  /** Unpacked dependency dirs (host `source`) and where the process sees them (`dest`), bound read-only. */
  readOnlyMounts: Array<{ source: string; dest: string }>;
}

/** Unpacks a zip by digest (the runtime's code cache) and resolves with its directory. */
export type Unpack = (digest: string, zip: () => Buffer | undefined) => Promise<string>;

const isDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The extras of a function whose config names `versionIds`, for an instance in the sandbox (`sandboxed`) or not;
 * a version missing from the store is a 404 naming it (the API refuses to delete a version in use, so this means
 * a data dir edited by hand).
 */
export async function dependencyExtras(deps: DependencyStore, family: RuntimeFamily, versionIds: readonly string[] | undefined,
  unpack: Unpack, sandboxed: boolean): Promise<InstanceExtras> {
  const roots: string[] = [];
  for (const id of versionIds ?? []) {
    const found = deps.version(id);
    if (!found) throw new ApiError(404, "FSS.1054", `the function's dependency version '${id}' does not exist (depend_version_list); remove it from the function or create it again`);
    roots.push(await unpack(found.v.digest, () => deps.blob(found.v.digest)));
  }
  if (roots.length === 0) return { env: {}, readOnlyMounts: [] };
  const mounts = roots.map((source, n) => ({ source, dest: sandboxed ? path.posix.join(SANDBOX_PATHS.dependencies, String(n)) : source }));
  // Each dir is chosen on the host, then named as the process sees it (below its mount's dest).
  const dirs = mounts.flatMap((m) => {
    const candidates = family === "node" ? [path.join("nodejs", "node_modules"), "node_modules"].filter((d) => isDir(path.join(m.source, d)))
      : family === "python" ? [isDir(path.join(m.source, "python")) ? "python" : ""]
        : [""];
    return candidates.map((d) => path.posix.join(m.dest, d));
  });
  const variable = family === "node" ? "NODE_PATH" : family === "python" ? "PYTHONPATH" : "RUNTIME_DEPENDENCY_ROOTS";
  return { env: dirs.length ? { [variable]: dirs.join(path.delimiter) } : {}, readOnlyMounts: mounts };
}
