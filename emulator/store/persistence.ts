/**
 * Durable state under `dataDir`: `state.json` (all function records, their `encrypted_user_data` sealed with
 * the data dir's key: sealed-values.ts) and `blobs/<sha512>.zip` (code, content-addressed by digest). The dir
 * is 0700 and every file 0600: only the emulator's user reads them, and a dir or file of another user is refused
 * (owned-files.ts). Every file is written to a temp file then renamed, blobs before the state
 * that references them, so a crash leaves either the old or the new state. Loading verifies everything and
 * throws `DataDirError` on corruption — it never silently resets a user's data.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { FunctionRecord, sha512Hex } from "./records";
import { dataDirKey, KEY_FILE, mapSealedFields, seal, unseal } from "./sealed-values";
import { removeStaleTempFiles } from "./stale-temp-files";
import { DataDirUnsafeError, readOwnedFile, secureDataDir } from "./owned-files";

/** The data dir is unreadable or inconsistent; the message says what and where. */
export class DataDirError extends Error {
  constructor(dir: string, reason: string) {
    super(`emulator: data dir '${dir}' is corrupt: ${reason}. Move it aside or choose another --data-dir; it was not modified.`);
    this.name = "DataDirError";
  }
}

/** What a data dir holds. */
export interface PersistedState {
  functions: FunctionRecord[];
  blobs: Map<string, Buffer>;
}

const FORMAT = "fgs-emulator-state/1";

/**
 * Writes a file atomically (mode 0600): a synced temp file, created exclusively (never through a link), then a
 * rename, which replaces whatever `file` was (a link included) without following it.
 */
export async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await fs.open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

function isRecord(v: unknown): v is FunctionRecord {
  const r = v as FunctionRecord;
  return !!r && typeof r === "object" && typeof r.id === "string" && typeof r.package === "string" &&
    typeof r.name === "string" && typeof r.digest === "string" && /^[0-9a-f]{128}$/.test(r.digest) &&
    typeof r.config === "object" && r.config !== null && Array.isArray(r.versions) &&
    r.versions.every((v) => typeof v?.version === "string" && /^[0-9a-f]{128}$/.test(v?.digest ?? ""));
}

/** Reads and writes one data dir. */
export class DataDir {
  private stateFile: string;
  private blobDir: string;
  /** The dir resolved and checked by `load` (owned-files.ts); `dir` until then. */
  private real: string;
  /** The key sealing encrypted values (read or made by `load`). */
  private key: Buffer | undefined;

  constructor(readonly dir: string) {
    this.real = dir;
    this.stateFile = path.join(dir, "state.json");
    this.blobDir = path.join(dir, "blobs");
  }

  /**
   * The function records of `state.json` (none when it is absent), read without touching the dir — what a reader
   * beside a running emulator (`fgs logs --data-dir`) may do. Encrypted values stay sealed (no key is read or made
   * here); `load` opens them. Throws `DataDirError` when it is corrupt, `DataDirUnsafeError` when state.json is
   * a link or another user's.
   */
  async readFunctions(): Promise<FunctionRecord[]> {
    return this.readState();
  }

  /** `readFunctions`, setting state.json's mode to `mode` on the open file when given. */
  private async readState(mode?: number): Promise<FunctionRecord[]> {
    let text: string;
    try {
      const data = await readOwnedFile(this.dir, this.stateFile, mode);
      if (data === undefined) return [];
      text = data.toString("utf8");
    } catch (err) {
      if (err instanceof DataDirUnsafeError) throw err;
      throw new DataDirError(this.dir, `cannot read state.json (${(err as Error).message})`);
    }
    let parsed: { format?: unknown; functions?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new DataDirError(this.dir, `state.json is not valid JSON (${(err as Error).message})`);
    }
    if (parsed?.format !== FORMAT || !Array.isArray(parsed.functions)) {
      throw new DataDirError(this.dir, `state.json is not an emulator state (expected format '${FORMAT}')`);
    }
    const functions: FunctionRecord[] = [];
    for (const [i, r] of parsed.functions.entries()) {
      if (!isRecord(r)) throw new DataDirError(this.dir, `state.json function #${i} is malformed`);
      functions.push(r);
    }
    return functions;
  }

  /**
   * Creates the dir if needed (0700), refuses it when it or a file in it is another user's (`DataDirUnsafeError`,
   * owned-files.ts), and loads it, encrypted values opened; an absent `state.json` is an empty state.
   */
  async load(): Promise<PersistedState> {
    this.real = secureDataDir(this.dir);
    this.stateFile = path.join(this.real, "state.json");
    this.blobDir = path.join(this.real, "blobs");
    await fs.mkdir(this.blobDir, { recursive: true, mode: 0o700 });
    let key: Buffer;
    try {
      key = this.key = await dataDirKey(this.real);
    } catch (err) {
      if (err instanceof DataDirUnsafeError) throw err;
      throw new DataDirError(this.dir, `cannot read or make its key ${KEY_FILE} (${(err as Error).message})`);
    }
    await removeStaleTempFiles([this.real, this.blobDir]); // left by a write that was killed before its rename
    const functions = (await this.readState(0o600)).map((r, i) => { // 0600: one written by an older emulator too
      try {
        return mapSealedFields(r, (v) => unseal(key, v));
      } catch (err) {
        throw new DataDirError(this.dir, `state.json function #${i}: ${(err as Error).message}`);
      }
    });
    const blobs = new Map<string, Buffer>();
    const digests = new Set(functions.flatMap((f) => [f.digest, ...f.versions.map((v) => v.digest)]));
    for (const digest of digests) {
      let data: Buffer;
      try {
        data = await fs.readFile(this.blobPath(digest));
      } catch {
        throw new DataDirError(this.dir, `code blob ${digest.slice(0, 16)}… referenced by state.json is missing`);
      }
      if (sha512Hex(data) !== digest) throw new DataDirError(this.dir, `code blob ${digest.slice(0, 16)}… does not match its digest`);
      blobs.set(digest, data);
    }
    return { functions, blobs };
  }

  /** Persists the full state: new blobs, then state.json, then removes blobs no longer referenced. */
  async save(functions: FunctionRecord[], blobs: Map<string, Buffer>): Promise<void> {
    const live = new Set(functions.flatMap((f) => [f.digest, ...f.versions.map((v) => v.digest)]));
    for (const digest of live) {
      const file = this.blobPath(digest);
      const exists = await fs.access(file).then(() => true, () => false);
      const data = blobs.get(digest);
      if (!exists && data) await writeAtomic(file, data);
    }
    const key = this.key ??= await dataDirKey(this.real);
    const sealed = functions.map((f) => mapSealedFields(f, (v) => seal(key, v)));
    await writeAtomic(this.stateFile, JSON.stringify({ format: FORMAT, functions: sealed }, null, 1));
    for (const name of await fs.readdir(this.blobDir)) {
      const digest = name.replace(/\.zip$/, "");
      if (name.endsWith(".zip") && !live.has(digest)) await fs.rm(path.join(this.blobDir, name), { force: true });
    }
  }

  private blobPath(digest: string): string {
    return path.join(this.blobDir, `${digest}.zip`);
  }
}
