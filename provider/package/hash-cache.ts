/**
 * A persistent cache of file content digests for `hashSource` (the preview), keyed by each file's stat stamp
 * (inode, size, mtime, ctime) — the trick git's index uses. `packageSource` (`up`) never takes a digest from
 * it: it hashes what it reads, uses the recorded digests only to find out whether the cache was wrong, and
 * records what it computed for the next preview. `check` hashes the source on every preview; re-reading a
 * 200 MB tree costs ~0.8 s, the stat walk ~0.25 s, so an unchanged tree is hashed from the cache instead.
 *
 * The cache only ever supplies a file's content digest; paths, modes and ignore rules are recomputed every
 * time, so `sourceSha512` means exactly what it means without a cache. Racy entries (a file modified within
 * `RACY_MS` of the cache being written, where a later same-size write could keep the same mtime) are not
 * stored. Best effort: any I/O or format problem means a miss, never an error.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where caches live: `FGS_CACHE_DIR`, else `$XDG_CACHE_HOME/pulumi-functiongraph`, else `~/.cache/…`. */
export function hashCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FGS_CACHE_DIR) return env.FGS_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "pulumi-functiongraph");
}

const FORMAT = 1;
/** Entries whose mtime is this close to the write time are not trusted (coarse file system clocks). */
const RACY_MS = 2000;

/** Cache files not written for this long belong to directories that are gone or unused (CI checkouts). */
const STALE_MS = 14 * 24 * 3600_000;

/**
 * Removes cache files (digests, the last packages: body-cache.ts, leftovers of dead processes) older than
 * `STALE_MS`, so caches of vanished directories do not pile up.
 */
function pruneStale(dir: string, now: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    // Digests and index (.json), the last package's bodies (.bin; .zip from older versions), and spools
    // (spool.ts) and temp files left by a process that died.
    if (![".json", ".bin", ".zip", ".spool", ".tmp"].some((ext) => name.endsWith(ext))) continue;
    const p = path.join(dir, name);
    try {
      if (now - fs.statSync(p).mtimeMs > STALE_MS) fs.rmSync(p, { force: true });
    } catch {
      // raced with another process: fine
    }
  }
}

/** A file's stat stamp: equal stamps mean unchanged content (as far as the file system can tell). */
export function statStamp(st: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** An open cache for one source directory. */
export interface HashCache {
  /** The digest recorded for `relPath` if its stamp is unchanged. */
  get(relPath: string, stamp: string): string | undefined;
  /** Records a digest (kept only if the file is not racy at save time). */
  set(relPath: string, stamp: string, mtimeMs: number, sha512: string): void;
  /** Writes the cache (atomically: temp file + rename) with exactly the entries seen this run. */
  save(): void;
}

interface CacheFile {
  format: number;
  root: string;
  entries: Record<string, [stamp: string, sha512: string]>;
}

/** The name (without extension) of the cache files of the directory whose real path is `realRoot`. */
export function cacheFileStem(realRoot: string): string {
  return createHash("sha256").update(realRoot).digest("hex").slice(0, 32);
}

/** Opens (or starts) the cache of the directory whose real path is `realRoot`. */
export function openHashCache(realRoot: string, dir: string = hashCacheDir()): HashCache {
  const file = path.join(dir, `${cacheFileStem(realRoot)}.json`);
  // Maps, not the parsed objects: 20,000 lookups and inserts in objects of 20,000 keys cost several µs each
  // (and a file named `__proto__` is an ordinary key).
  let old = new Map<string, [stamp: string, sha512: string]>();
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as CacheFile;
    if (parsed.format === FORMAT && parsed.root === realRoot && parsed.entries && typeof parsed.entries === "object") {
      old = new Map(Object.entries(parsed.entries));
    }
  } catch {
    // no cache yet, or unreadable: start empty
  }
  const next = new Map<string, [stamp: string, sha512: string]>();
  const mtimes = new Map<string, number>();
  let changed = false; // anything to write? An unchanged tree leaves the file as it is.
  return {
    get(relPath, stamp) {
      const e = old.get(relPath);
      if (Array.isArray(e) && e[0] === stamp && typeof e[1] === "string" && e[1].length === 128) {
        next.set(relPath, e);
        return e[1];
      }
      return undefined;
    },
    set(relPath, stamp, mtimeMs, sha512) {
      const e = old.get(relPath);
      if (Array.isArray(e) && e[0] === stamp && e[1] === sha512) {
        next.set(relPath, e);
        return;
      }
      changed = true;
      next.set(relPath, [stamp, sha512]);
      mtimes.set(relPath, mtimeMs);
    },
    save() {
      if (!changed && next.size === old.size) return;
      const now = Date.now();
      for (const [rel, mtime] of mtimes) if (mtime > now - RACY_MS) next.delete(rel);
      pruneStale(dir, now);
      if (next.size === 0) {
        // Nothing worth keeping (a fresh tree is all racy): no file, and none left from an older run.
        try { fs.rmSync(file, { force: true }); } catch { /* best effort */ }
        return;
      }
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(tmp, cacheFileText(realRoot, next));
        fs.renameSync(tmp, file);
      } catch {
        try { fs.rmSync(tmp, { force: true }); } catch { /* best effort */ }
      }
    },
  };
}

/** Characters after which a string is not its own JSON text between quotes (see `jsonString`). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)`, without the call for the common string that needs no escape. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * The cache file's text: the JSON of a `CacheFile`, written row by row (for 20,000 rows
 * `Object.fromEntries` + `JSON.stringify` cost several times more; the same JSON value).
 */
function cacheFileText(realRoot: string, entries: ReadonlyMap<string, [stamp: string, sha512: string]>): string {
  let text = `{"format":${FORMAT},"root":${JSON.stringify(realRoot)},"entries":{`;
  let comma = "";
  for (const [rel, [stamp, sha512]] of entries) {
    text += `${comma}${jsonString(rel)}:[${jsonString(stamp)},${jsonString(sha512)}]`;
    comma = ",";
  }
  return `${text}}}`;
}

/** A content digest recorded for a file while it had `stamp`. */
export interface KnownDigest {
  readonly stamp: string;
  readonly sha512: string;
}

/** A walked file as the cache sees it: its path, its place in the walk, and what its stamp is made of. */
export interface StampedFile {
  readonly path: string;
  readonly seq: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** The digest cache as one walk uses it (see `openSourceDigests`). */
export interface SourceDigests {
  /** The file's recorded digest and the stamp it is valid for; undefined on a miss. */
  known(file: StampedFile): KnownDigest | undefined;
  /** Records the digest found for the file (kept at `save` unless racy). */
  record(file: StampedFile, sha512: string): void;
  save(): void;
}

/** Where the caches of one source directory live: its real path, and the cache directory. */
export interface CacheLocation {
  readonly realRoot: string;
  readonly cacheDir: string;
}

/**
 * The caches' location for source directory `dir` under a `hashCache` option (false: none; true: the default
 * directory; a string: that directory). Undefined without caches, or when the directory cannot be resolved
 * (the walk then reports it properly).
 */
export function locateCaches(dir: string, setting: boolean | string): CacheLocation | undefined {
  if (setting === false) return undefined;
  try {
    return { realRoot: fs.realpathSync(path.resolve(dir)), cacheDir: path.resolve(setting === true ? hashCacheDir() : setting) };
  } catch {
    return undefined;
  }
}

/**
 * The digest cache at `where` for one walk: a stamp is formatted once per file (four numbers, two of them
 * fractional: it adds up over 20,000 files).
 */
export function openSourceDigests(where: CacheLocation): SourceDigests {
  const cache = openHashCache(where.realRoot, where.cacheDir);
  const stamps: string[] = [];
  const stampOf = (f: StampedFile): string => (stamps[f.seq] ??= statStamp(f));
  return {
    known: (f) => {
      const stamp = stampOf(f);
      const sha512 = cache.get(f.path, stamp);
      return sha512 === undefined ? undefined : { stamp, sha512 };
    },
    record: (f, sha512) => cache.set(f.path, stampOf(f), f.mtimeMs, sha512),
    save: () => cache.save(),
  };
}
