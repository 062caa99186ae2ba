/**
 * The deflated bodies of a source directory's last package, so that packaging after an edit deflates only what
 * changed: without it, `up` after a one-line edit deflates every file of a 20,000-file tree again (deflate is
 * most of packaging). Kept beside the digest cache (hash-cache.ts) as the last package's spool of bodies
 * (spool.ts: renamed into place, never copied) plus an index of its deflated bodies by path (size, CRC-32,
 * offset, length), under the codec (zlib build, level, the probe and store rules of deflate-batch.ts) that
 * made them.
 *
 * Nothing here is trusted: a body is only a *candidate* (safe-open.ts `BodyCandidate`) for the file at its
 * path, offered to the reader when the walked size matches, and used only once it inflates to exactly the
 * bytes just read from the file (deflate-batch.ts) — so a swapped, stale, truncated, foreign or half-written
 * cache costs deflating again, never a wrong byte. The bodies are read where they lie (`pread` on one
 * descriptor, from the worker threads), never loaded whole. A cache that disagrees with the source (a body
 * that claims a file's size and CRC-32 but does not inflate to its content, an index of another directory or
 * beyond the end of its zip) is discarded: the package just built replaces it, and `discarded` says why.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROBE } from "./deflate-batch";
import { cacheFileStem, type CacheLocation } from "./hash-cache";
import type { BodyCandidate } from "./safe-open";
import type { Spool } from "./spool";

const FORMAT = 3;

/** Where one file's body lies in the package being recorded. */
export interface RecordedBody {
  readonly path: string;
  readonly size: number;
  readonly method: 0 | 8;
  readonly crc32: number;
  /** Offset of the body in the spool, and its length. */
  readonly offset: number;
  readonly length: number;
}

/** The body cache of one source directory, for one packaging call. */
export interface BodyCache {
  /** The last package's deflated body for the file at `relPath` if it had `size` bytes then (a candidate only). */
  candidate(relPath: string, size: number): BodyCandidate | undefined;
  /** Why the recorded cache was found wrong before any body was read (a foreign or damaged index), if it was. */
  readonly discarded: string | undefined;
  /** The name stem for a spool that `save` may rename into place (in the same directory). */
  readonly spoolStem: string;
  /**
   * Records the package just built (its bodies in `spool`, a named one) as the last one: the spool is renamed
   * into place, or, when the package is the one recorded and not `rewrite` (nothing disagreed, nothing was
   * deflated again), only its name is removed. The spool stays open either way.
   */
  save(spool: Spool, bodies: readonly RecordedBody[], zipSha512: string, rewrite: boolean): void;
  /** Closes the recorded bodies (call once packaging is done: workers read from them until then). */
  close(): void;
}

type IndexRow = [path: string, size: number, crc32: number, offset: number, length: number];

interface IndexFile {
  format: number;
  root: string;
  codec: string;
  zipSha512: string;
  /** Size of the bodies file. */
  binSize: number;
  bodies: IndexRow[];
}

/** What a body depends on besides the content: equal codecs deflate equal content to equal bytes. */
function codecOf(level: number): string {
  return `raw deflate, zlib ${process.versions.zlib}, level ${level}, default window and memory, kept when smaller, probe ${PROBE.minBytes}/${PROBE.bytes}/${PROBE.maxRatio}`;
}

/** The name stem of the body cache at `where`, which a spool named for it starts with (see `BodyCache.spoolStem`). */
export function bodySpoolStem(where: CacheLocation): string {
  return `${cacheFileStem(where.realRoot)}.bodies`;
}

/**
 * The body cache at `where` (hash-cache.ts `locateCaches`) for zlib `level`. Best effort: any I/O problem is
 * a miss or an unsaved package, never an error.
 */
export function openBodyCache(where: CacheLocation, level: number): BodyCache {
  const { realRoot } = where;
  const stem = path.join(where.cacheDir, bodySpoolStem(where));
  const codec = codecOf(level);
  const binFile = `${stem}.bin`;
  const indexFile = `${stem}.json`;
  let discarded: string | undefined;
  let recordedSha: string | undefined;
  let fd: number | undefined;
  const byPath = new Map<string, IndexRow>();

  const close = (): void => {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already closed */ }
    fd = undefined;
  };
  // The index, then the bodies file it describes. A missing cache, or one of another codec or format, is an ordinary
  // miss; an index that is not this directory's, or not well formed, or longer than its zip, is discarded.
  const load = (): void => {
    let text: string;
    try {
      text = fs.readFileSync(indexFile, "utf8");
    } catch {
      return; // no cache yet
    }
    let index: IndexFile;
    try {
      index = JSON.parse(text) as IndexFile;
    } catch {
      discarded = "its index is not readable JSON (truncated or damaged)";
      return;
    }
    if (index?.format !== FORMAT || index.codec !== codec) return; // another version or level: just a miss
    if (index.root !== realRoot) {
      discarded = `its index belongs to another directory (${String(index.root)})`;
      return;
    }
    if (!Array.isArray(index.bodies) || typeof index.zipSha512 !== "string" || !Number.isSafeInteger(index.binSize)) {
      discarded = "its index is not well formed";
      return;
    }
    try {
      fd = fs.openSync(binFile, "r");
      const size = fs.fstatSync(fd).size;
      if (size !== index.binSize) {
        discarded = `its bodies file is ${size} bytes, not the ${index.binSize} its index records (truncated or replaced)`;
        return close();
      }
    } catch {
      discarded = "its bodies file cannot be read";
      return close();
    }
    for (const row of index.bodies) {
      if (!Array.isArray(row) || row.length !== 5 || typeof row[0] !== "string" || !row.slice(1).every(Number.isSafeInteger) ||
        row[3] < 0 || row[4] < 0 || row[3] + row[4] > index.binSize) {
        discarded = "its index has a row that is not well formed or lies beyond its bodies file";
        byPath.clear();
        return close();
      }
      byPath.set(row[0], row);
    }
    recordedSha = index.zipSha512;
  };
  load();

  return {
    candidate(relPath, size) {
      const row = fd === undefined ? undefined : byPath.get(relPath);
      if (!row || row[1] !== size) return undefined;
      return { fd: fd!, size, crc32: row[2], offset: row[3], length: row[4] };
    },
    get discarded() {
      return discarded;
    },
    spoolStem: bodySpoolStem(where),
    save(spool, bodies, zipSha512, rewrite) {
      const named = spool.path;
      if (named === undefined) return;
      if (!rewrite && discarded === undefined && recordedSha === zipSha512) { // unchanged: keep the recorded one
        try { fs.rmSync(named, { force: true }); } catch { /* best effort */ }
        spool.unname();
        return;
      }
      const index: IndexFile = {
        format: FORMAT, root: realRoot, codec, zipSha512, binSize: spool.size,
        bodies: bodies.filter((b) => b.method === 8).map((b) => [b.path, b.size, b.crc32, b.offset, b.length]),
      };
      const tmp = `${stem}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        // The bodies first: an index read with another writer's bodies is caught by the size or by the bodies
        // not inflating to the files (a miss, never a wrong body).
        fs.renameSync(named, binFile);
        spool.unname();
        fs.writeFileSync(tmp, JSON.stringify(index));
        fs.renameSync(tmp, indexFile);
      } catch {
        try { fs.rmSync(tmp, { force: true }); } catch { /* best effort */ }
        if (spool.path !== undefined) try { fs.rmSync(spool.path, { force: true }); } catch { /* best effort */ }
        spool.unname();
      }
    },
    close,
  };
}
