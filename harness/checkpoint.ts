/**
 * The Pulumi file ("DIY") backend's layout and checkpoint file, as the CLI (pkg/backend/diy) reads and writes
 * them: `<backend>/.pulumi/meta.yaml` (`version: 1`, project-scoped stacks), the checkpoint
 * `<backend>/.pulumi/stacks/<project>/<stack>.json` (`{ version: 3, checkpoint: { stack, latest: deployment } }`),
 * its previous content in `<stack>.json.bak`, and the stack locks in `<backend>/.pulumi/locks/organization/
 * <project>/<stack>/`. Plain JSON (a `.json.gz` checkpoint, PULUMI_DIY_BACKEND_GZIP, is read too).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { PropertyMap } from "./wire";
import { HarnessError } from "./plugin";

/** One resource of a deployment (apitype.ResourceV3); fields the harness does not know are kept as they are. */
export interface CheckpointResource {
  urn: string;
  custom: boolean;
  delete?: boolean;
  id?: string;
  type: string;
  inputs?: PropertyMap;
  outputs?: PropertyMap;
  parent?: string;
  dependencies?: string[];
  provider?: string;
  initErrors?: string[];
  created?: string;
  modified?: string;
  [other: string]: unknown;
}

/** The checkpoint file (apitype.VersionedCheckpoint around a CheckpointV3). */
export interface CheckpointFile {
  version: number;
  features?: string[];
  checkpoint: {
    stack: string;
    config?: Record<string, unknown>;
    latest?: {
      manifest: { time: string; magic: string; version: string; plugins?: unknown[] };
      secrets_providers?: { type: string; state?: { salt?: string; [k: string]: unknown } };
      resources?: CheckpointResource[];
      pending_operations?: unknown[];
      metadata?: Record<string, unknown>;
      [other: string]: unknown;
    };
  };
}

/** Where one stack lives in a file backend. */
export interface BackendPaths {
  /** The checkpoint (`.pulumi/stacks/<project>/<stack>.json`). */
  checkpoint: string;
  /** The stack's lock directory. */
  lockDir: string;
  /** `.pulumi/meta.yaml`. */
  meta: string;
}

/** The paths of a stack in the file backend rooted at `backendDir` (what `pulumi login file://<backendDir>` uses). */
export function backendPaths(backendDir: string, project: string, stack: string): BackendPaths {
  const root = path.join(path.resolve(backendDir), ".pulumi");
  return {
    checkpoint: path.join(root, "stacks", project, `${stack}.json`),
    lockDir: path.join(root, "locks", "organization", project, stack),
    meta: path.join(root, "meta.yaml"),
  };
}

/** What to do about a damaged checkpoint: nothing was written; the previous one (`.bak`) when there is one. */
function damagedFix(file: string): string {
  const bak = `${file}.bak`;
  return fs.existsSync(bak)
    ? `Nothing was changed. The checkpoint before the last run is ${bak}: check it and copy it over ${path.basename(file)} (or 'pulumi stack import --file ${bak}'), then 'pulumi refresh'`
    : `Nothing was changed. Restore it from a backup ('pulumi stack import --file <backup>'), then 'pulumi refresh'`;
}

/** Reads a checkpoint (`file`, else `file.gz`), or undefined when the stack has none. */
export function readCheckpoint(file: string): CheckpointFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    try {
      text = zlib.gunzipSync(fs.readFileSync(`${file}.gz`)).toString("utf8");
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e2;
    }
  }
  let parsed: CheckpointFile;
  try {
    parsed = JSON.parse(text) as CheckpointFile;
  } catch (e) {
    throw new HarnessError(`${file} is not a Pulumi checkpoint: ${(e as Error).message}. ${damagedFix(file)}`);
  }
  if (typeof parsed?.version !== "number" || typeof parsed.checkpoint !== "object" || parsed.checkpoint === null) {
    throw new HarnessError(`${file} is not a Pulumi checkpoint (no version and checkpoint). ${damagedFix(file)}`);
  }
  if (parsed.version < 3 || parsed.version > 4) {
    throw new HarnessError(`${file} is a Pulumi checkpoint of schema version ${parsed.version}; the harness reads versions 3 and 4: run one 'pulumi up' or 'pulumi stack export | pulumi stack import' with the Pulumi CLI to upgrade it`);
  }
  return parsed;
}

/**
 * Writes a stack's checkpoint as the CLI does: the previous file copied to `<file>.bak`, the new one written to
 * a temporary file, fsynced and renamed over it; `meta.yaml` created when the backend is new. `previous` is
 * the checkpoint as read (its schema version, features, config and unknown fields are kept).
 */
export function writeCheckpoint(
  file: string,
  previous: CheckpointFile | undefined,
  stackName: string,
  saltState: string,
  resources: CheckpointResource[],
  engineVersion: string,
): void {
  const time = new Date().toISOString();
  const latest = {
    ...(previous?.checkpoint.latest ?? {}),
    manifest: { time, magic: crypto.createHash("sha256").update(engineVersion).digest("hex"), version: engineVersion },
    secrets_providers: { type: "passphrase", state: { salt: saltState } },
    resources,
    metadata: previous?.checkpoint.latest?.metadata ?? {},
  };
  if (resources.length === 0) delete (latest as { resources?: unknown }).resources;
  const doc: CheckpointFile = {
    version: previous?.version ?? 3,
    ...(previous?.features?.length ? { features: previous.features } : {}),
    checkpoint: { ...(previous?.checkpoint ?? {}), stack: previous?.checkpoint.stack ?? stackName, latest },
  };
  const stacksDir = path.dirname(path.dirname(file));
  const meta = path.join(path.dirname(stacksDir), "meta.yaml");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(meta)) fs.writeFileSync(meta, "version: 1\n", { flag: "wx" });
  if (fs.existsSync(file)) fs.copyFileSync(file, `${file}.bak`);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(doc, null, 4) + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  // The CLI's blob store keeps attributes (an MD5) beside each file; ours would be stale: the store reads without.
  for (const f of [file, `${file}.bak`]) fs.rmSync(`${f}.attrs`, { force: true });
  // A gzip variant left by PULUMI_DIY_BACKEND_GZIP would shadow the file the CLI picks (the newest): remove it.
  fs.rmSync(`${file}.gz`, { force: true });
}
