/**
 * The deflated bodies of a source directory's last package, so that packaging after an edit deflates only what
 * changed: without it, `up` after a one-line edit deflates every file of a 20,000-file tree again (deflate is
 * most of packaging). Kept beside the digest cache (hash-cache.ts) as the last zip itself plus an index of its
 * bodies by content digest. A body is used only for a file whose digest the digest cache vouches for (the same
 * stat stamp as when it was hashed) and only under the same codec (zlib build, level, the probe and store
 * rules of deflate-batch.ts), where it is exactly what deflating the content again gives — so the zip is
 * byte-for-byte the one packaging without the cache builds (tested). The zip's SHA-256, recorded in the index,
 * is checked when the cache is loaded: a damaged, foreign or half-written file is a miss, never a wrong body.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROBE } from "./deflate-batch";
import { cacheFileStem, type CacheLocation } from "./hash-cache";

const FORMAT = 1;

/** A body as the last package holds it. */
export interface CachedBody {
  readonly method: 0 | 8;
  readonly crc32: number;
  readonly body: Uint8Array;
}

/** Where one file's body lies in the package being recorded. */
export interface RecordedBody {
  readonly sha512: string;
  readonly size: number;
  readonly method: 0 | 8;
  readonly crc32: number;
  /** Offset of the body in the zip, and its length. */
  readonly offset: number;
  readonly length: number;
}

/** The body cache of one source directory, for one packaging call. */
export interface BodyCache {
  /** The body of content `sha512` (`size` bytes) in the last package, if it was built with the same codec. */
  get(sha512: string, size: number): CachedBody | undefined;
  /** Records the package just built as the last one (nothing is written when it is the one recorded). */
  save(parts: readonly Uint8Array[], bodies: readonly RecordedBody[]): void;
}

type IndexRow = [sha512: string, size: number, method: 0 | 8, crc32: number, offset: number, length: number];

interface IndexFile {
  format: number;
  root: string;
  codec: string;
  zipSha256: string;
  bodies: IndexRow[];
}

/** What a body depends on besides the content: equal codecs deflate equal content to equal bytes. */
function codecOf(level: number): string {
  return `raw deflate, zlib ${process.versions.zlib}, level ${level}, default window and memory, kept when smaller, probe ${PROBE.minBytes}/${PROBE.bytes}/${PROBE.maxRatio}`;
}

/** Iovecs per `writev` call (the usual IOV_MAX). */
const IOV_MAX = 1024;

/**
 * The body cache at `where` (hash-cache.ts `locateCaches`) for zlib `level`. Best effort: any I/O or format
 * problem is a miss or an unsaved package, never an error.
 */
export function openBodyCache(where: CacheLocation, level: number): BodyCache {
  const { realRoot } = where;
  const stem = path.join(where.cacheDir, `${cacheFileStem(realRoot)}.bodies`);
  const codec = codecOf(level);
  const zipFile = `${stem}.zip`;
  const indexFile = `${stem}.json`;
  let loaded: { zip: Buffer; zipSha256: string; bySha: Map<string, IndexRow> } | null | undefined;

  /** The recorded index when it is this directory's and codec's. */
  const readIndex = (): IndexFile | undefined => {
    try {
      const index = JSON.parse(fs.readFileSync(indexFile, "utf8")) as IndexFile;
      return index.format === FORMAT && index.root === realRoot && index.codec === codec && Array.isArray(index.bodies) ? index : undefined;
    } catch {
      return undefined; // no cache yet, or unreadable
    }
  };
  const load = (): typeof loaded => {
    const index = readIndex();
    if (!index) return null;
    try {
      const zip = fs.readFileSync(zipFile);
      if (createHash("sha256").update(zip).digest("hex") !== index.zipSha256) return null;
      const bySha = new Map<string, IndexRow>();
      for (const row of index.bodies) {
        if (!Array.isArray(row) || row.length !== 6) return null;
        const [sha512, size, method, crc32, offset, length] = row;
        if (typeof sha512 !== "string" || ![size, crc32, offset, length].every(Number.isSafeInteger) ||
          (method !== 0 && method !== 8) || offset < 0 || offset + length > zip.length || (method === 0 && length !== size)) return null;
        bySha.set(sha512, row);
      }
      return { zip, zipSha256: index.zipSha256, bySha };
    } catch {
      return null; // unreadable
    }
  };

  return {
    get(sha512, size) {
      if (loaded === undefined) loaded = load();
      const row = loaded?.bySha.get(sha512);
      if (!row || row[1] !== size) return undefined;
      const [, , method, crc32, offset, length] = row;
      return { method, crc32, body: loaded!.zip.subarray(offset, offset + length) };
    },
    save(parts, bodies) {
      const hash = createHash("sha256");
      for (const p of parts) hash.update(p);
      const zipSha256 = hash.digest("hex");
      // Unchanged: nothing to write (the index is enough to tell when nothing was loaded).
      if ((loaded === undefined ? readIndex()?.zipSha256 : loaded?.zipSha256) === zipSha256) return;
      const index: IndexFile = {
        format: FORMAT, root: realRoot, codec, zipSha256,
        bodies: bodies.map((b) => [b.sha512, b.size, b.method, b.crc32, b.offset, b.length]),
      };
      const tmp = `${stem}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        fs.mkdirSync(path.dirname(stem), { recursive: true });
        // The zip first: an index read with another zip fails its SHA-256 check (a miss).
        writeParts(`${tmp}.zip`, parts);
        fs.renameSync(`${tmp}.zip`, zipFile);
        fs.writeFileSync(`${tmp}.json`, JSON.stringify(index));
        fs.renameSync(`${tmp}.json`, indexFile);
      } catch {
        for (const t of [`${tmp}.zip`, `${tmp}.json`]) try { fs.rmSync(t, { force: true }); } catch { /* best effort */ }
      }
    },
  };
}

/** Writes `parts` back to back to a new file (a few `writev` calls: a write per part is 40,000 system calls). */
function writeParts(file: string, parts: readonly Uint8Array[]): void {
  const fd = fs.openSync(file, "wx");
  try {
    for (let i = 0; i < parts.length; i += IOV_MAX) {
      let batch = parts.slice(i, i + IOV_MAX) as Uint8Array[];
      let left = batch.reduce((n, p) => n + p.length, 0);
      while (left > 0) {
        const n = fs.writevSync(fd, batch);
        left -= n;
        if (left > 0) batch = skipBytes(batch, n);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** `parts` without their first `n` bytes (after a short write). */
function skipBytes(parts: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= parts[i].length) n -= parts[i++].length;
  return i < parts.length ? [parts[i].subarray(n), ...parts.slice(i + 1)] : [];
}
