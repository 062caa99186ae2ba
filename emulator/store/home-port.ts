/**
 * The ports a data dir keeps: each server of an emulator started on a data dir without an explicit port listens
 * on the port kept in `<dataDir>/<name>.json` (`{"format":"fgs-emulator-<name>/1","port":N}`) when it is free,
 * so what points at the emulator — a stack's `functiongraph:endpoint`, an APIG trigger's `invoke_url` — stays
 * valid across restarts. The file keeps the port of the first start, or the one last chosen explicitly; a kept
 * port that is taken is replaced by a free one for that run only (a warning names both), so the next start goes
 * back to the port the stacks know. Used for the FunctionGraph API (`api`), OBS (`obs`, `obs-https`) and the API
 * gateway (`apig`). A port file that is a link or another user's is refused (owned-files.ts); it is written
 * through a temp file renamed into place (persistence.ts `writeAtomic`), never through a link.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataDirError, writeAtomic } from "./persistence";
import { DataDirUnsafeError, readOwnedFileSync } from "./owned-files";

/** Where one server of an emulator listens, and what its data dir keeps of it. */
export interface HomePortSpec {
  /** The file's name without `.json`, e.g. `api` (also in the file's format string). */
  name: string;
  /** The data dir; without one the server takes `explicit` or a free port and nothing is kept. */
  dataDir?: string;
  /** A port the caller chose (`--port N`; 0 = any free one): used as is (and kept), its failure is the caller's error. */
  explicit?: number;
  /** How a warning names the server, e.g. `the FunctionGraph API`. */
  what: string;
  /** The option that chooses the port, e.g. `--port`. */
  option: string;
  warn: (msg: string) => void;
}

const formatOf = (name: string) => `fgs-emulator-${name}/1`;

/**
 * The port kept in the data dir for `name` (undefined before the first start); `DataDirError` when the file is not
 * one, `DataDirUnsafeError` when it is a link or another user's.
 */
export function homePort(dataDir: string, name: string): number | undefined {
  const file = path.join(dataDir, `${name}.json`);
  let text: string;
  try {
    const data = readOwnedFileSync(dataDir, file);
    if (data === undefined) return undefined;
    text = data.toString("utf8");
  } catch (err) {
    if (err instanceof DataDirUnsafeError) throw err;
    throw new DataDirError(dataDir, `cannot read ${name}.json (${(err as Error).message})`);
  }
  let parsed: { format?: unknown; port?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as { format?: unknown; port?: unknown };
  } catch {
    parsed = undefined;
  }
  const port = parsed?.port;
  if (parsed?.format !== formatOf(name) || typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DataDirError(dataDir, `${name}.json is not a kept port (expected {"format":"${formatOf(name)}","port":1-65535})`);
  }
  return port;
}

async function keepPort(dataDir: string, name: string, port: number): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // the data dir (persistence.ts)
  await writeAtomic(path.join(dataDir, `${name}.json`), JSON.stringify({ format: formatOf(name), port }) + "\n");
}

/**
 * Listens through `listen` (which binds the server to a port, 0 = a free one, and resolves with the port bound):
 * on the explicit port, else on the data dir's kept port (a free one when it is taken, with a warning), else on a
 * free one; keeps the port unless it replaced a taken one. Resolves with the port in use.
 */
export async function listenAtHome(spec: HomePortSpec, listen: (port: number) => Promise<number>): Promise<number> {
  const home = spec.dataDir === undefined ? undefined : homePort(spec.dataDir, spec.name);
  let port: number;
  if (spec.explicit !== undefined) port = await listen(spec.explicit);
  else if (home !== undefined) {
    try {
      port = await listen(home);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      port = await listen(0);
      spec.warn(`${spec.what}: port ${home} (kept in ${path.join(spec.dataDir!, `${spec.name}.json`)}) is in use: serving on port ${port} ` +
        `for this run only; stop what holds ${home} to get it back, or choose a port with ${spec.option}`);
      return port;
    }
  } else port = await listen(0);
  if (spec.dataDir !== undefined && port !== home) await keepPort(spec.dataDir, spec.name, port);
  return port;
}
