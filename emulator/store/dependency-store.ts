/**
 * Dependencies (layers) of the emulated account: each a name with numbered versions, each version a zip held
 * content-addressed. In memory, persisted under the data dir beside the functions — `dependencies.json` plus
 * `dependency-blobs/<sha512>.zip` — with the same write-then-rename discipline; loading verifies every blob
 * and throws `DataDirError` on corruption (never a silent reset).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { CommittedStore } from "./committed-store";
import { DataDirError, writeAtomic } from "./persistence";
import { DataDirUnsafeError, readOwnedFile } from "./owned-files";
import { sha512Hex } from "./records";

/** One version of a dependency. */
export interface DependencyVersionRecord {
  /** The version's id: what a function's `depend_version_list` names. */
  id: string;
  version: number;
  runtime: string;
  description: string;
  fileName: string;
  /** MD5 hex of the zip (the service's `etag`). */
  etag: string;
  size: number;
  /** SHA-512 hex of the zip: names its blob. */
  digest: string;
  lastModified: number;
}

/** A dependency: a name and its versions (oldest first). */
export interface DependencyRecord {
  id: string;
  name: string;
  owner: string;
  versions: DependencyVersionRecord[];
  /** The last version number handed out: numbers are never reused, even after a delete [U]. */
  lastVersion?: number;
}

const FORMAT = "fgs-emulator-dependencies/1";

/** The account's dependencies and their zips, optionally backed by a data dir. */
export class DependencyStore extends CommittedStore<DependencyRecord> {
  private constructor(private readonly dir: string | undefined) {
    super(dir !== undefined);
  }

  /** An in-memory store, or one loaded from `dir` (throws `DataDirError` when its files are corrupt). */
  static async open(dir: string | undefined): Promise<DependencyStore> {
    const store = new DependencyStore(dir);
    if (!dir) return store;
    let text: string;
    try {
      const data = await readOwnedFile(dir, path.join(dir, "dependencies.json"));
      if (data === undefined) return store;
      text = data.toString("utf8");
    } catch (err) {
      if (err instanceof DataDirUnsafeError) throw err;
      throw new DataDirError(dir, `cannot read dependencies.json (${(err as Error).message})`);
    }
    let parsed: { format?: unknown; dependencies?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new DataDirError(dir, `dependencies.json is not valid JSON (${(err as Error).message})`);
    }
    if (parsed?.format !== FORMAT || !Array.isArray(parsed.dependencies)) {
      throw new DataDirError(dir, `dependencies.json is not an emulator dependency list (expected format '${FORMAT}')`);
    }
    for (const [i, d] of (parsed.dependencies as DependencyRecord[]).entries()) {
      if (typeof d?.id !== "string" || typeof d.name !== "string" || !Array.isArray(d.versions)) {
        throw new DataDirError(dir, `dependencies.json entry #${i} is malformed`);
      }
      for (const v of d.versions) {
        let data: Buffer;
        try {
          data = await fs.readFile(store.blobPath(v.digest));
        } catch {
          throw new DataDirError(dir, `dependency blob ${String(v.digest).slice(0, 16)}… referenced by dependencies.json is missing`);
        }
        if (sha512Hex(data) !== v.digest) throw new DataDirError(dir, `dependency blob ${v.digest.slice(0, 16)}… does not match its digest`);
        store.blobs.set(v.digest, data);
      }
      store.records.set(d.id, d);
    }
    return store;
  }

  /** Every dependency, in creation order. */
  list(): DependencyRecord[] {
    return [...this.records.values()];
  }

  /** A dependency by id. */
  get(id: string): DependencyRecord | undefined {
    return this.records.get(id);
  }

  /** A dependency by owner and name. */
  byName(owner: string, name: string): DependencyRecord | undefined {
    return this.list().find((d) => d.owner === owner && d.name === name);
  }

  /** A version by its id, with its dependency. */
  version(versionId: string): { dep: DependencyRecord; v: DependencyVersionRecord } | undefined {
    for (const dep of this.records.values()) {
      const v = dep.versions.find((x) => x.id === versionId);
      if (v) return { dep, v };
    }
    return undefined;
  }

  /** The next version number of `dep` (and records it as handed out). */
  nextVersion(dep: DependencyRecord): number {
    dep.lastVersion = Math.max(dep.lastVersion ?? 0, ...dep.versions.map((v) => v.version)) + 1;
    return dep.lastVersion;
  }

  /** Inserts or replaces a dependency; a dependency without versions is removed. */
  put(record: DependencyRecord): void {
    if (record.versions.length === 0) this.records.delete(record.id);
    else this.records.set(record.id, record);
  }

  protected digestsOf(d: DependencyRecord): string[] {
    return d.versions.map((v) => v.digest);
  }

  /** Writes the blobs, the list, then removes stale blobs. */
  protected async persist(snapshot: DependencyRecord[], blobs: Map<string, Buffer>): Promise<void> {
    const dir = this.dir!;
    await fs.mkdir(path.join(dir, "dependency-blobs"), { recursive: true, mode: 0o700 });
    for (const [digest, data] of blobs) {
      const file = this.blobPath(digest);
      if (!(await fs.access(file).then(() => true, () => false))) await writeAtomic(file, data);
    }
    await writeAtomic(path.join(dir, "dependencies.json"), JSON.stringify({ format: FORMAT, dependencies: snapshot }, null, 1));
    for (const name of await fs.readdir(path.join(dir, "dependency-blobs"))) {
      if (name.endsWith(".zip") && !blobs.has(name.slice(0, -4))) await fs.rm(path.join(dir, "dependency-blobs", name), { force: true });
    }
  }

  private blobPath(digest: string): string {
    return path.join(this.dir ?? "", "dependency-blobs", `${digest}.zip`);
  }
}
