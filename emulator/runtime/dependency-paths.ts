/**
 * A function's dependencies (its `depend_version_list`) as an instance sees them: each version's zip unpacked
 * once (read-only, shared like code) and put on the runtime's module path, as the service does —
 * Node.js: `<dep>/nodejs/node_modules` (and a `node_modules` at the zip's root) → `NODE_PATH`;
 * Python: `<dep>/python` (or, without one, the zip's root [inferred: packages zipped without the folder]) →
 * `PYTHONPATH`. Custom runtimes get the unpacked roots in `RUNTIME_DEPENDENCY_ROOTS` [inferred].
 * The result is extra environment plus the directories a sandbox must bind read-only.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DependencyStore } from "../dependency-store";
import { ApiError } from "../errors";
import type { RuntimeFamily } from "./launch";

/** What an instance gets on top of its base environment for its dependencies. */
export interface InstanceExtras {
  /** Variables to add (`NODE_PATH`, `PYTHONPATH`, `RUNTIME_DEPENDENCY_ROOTS`). */
  env: Record<string, string>;
  /** Unpacked dependency dirs the code reads (for a sandbox's read-only binds). */
  readOnlyDirs: string[];
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
 * The extras of a function whose config names `versionIds`; a version missing from the store is a 404 naming it
 * (the API refuses to delete a version in use, so this means a data dir edited by hand).
 */
export async function dependencyExtras(deps: DependencyStore, family: RuntimeFamily, versionIds: readonly string[] | undefined,
  unpack: Unpack): Promise<InstanceExtras> {
  const roots: string[] = [];
  for (const id of versionIds ?? []) {
    const found = deps.version(id);
    if (!found) throw new ApiError(404, "FSS.1054", `the function's dependency version '${id}' does not exist (depend_version_list); remove it from the function or create it again`);
    roots.push(await unpack(found.v.digest, () => deps.blob(found.v.digest)));
  }
  if (roots.length === 0) return { env: {}, readOnlyDirs: [] };
  const dirs = family === "node"
    ? roots.flatMap((r) => [path.join(r, "nodejs", "node_modules"), path.join(r, "node_modules")]).filter(isDir)
    : family === "python"
      ? roots.map((r) => (isDir(path.join(r, "python")) ? path.join(r, "python") : r))
      : roots;
  const variable = family === "node" ? "NODE_PATH" : family === "python" ? "PYTHONPATH" : "RUNTIME_DEPENDENCY_ROOTS";
  return { env: dirs.length ? { [variable]: dirs.join(path.delimiter) } : {}, readOnlyDirs: roots };
}
