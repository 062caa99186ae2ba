/**
 * Full verification of an uploaded code zip, fast enough for a 50 MB upload: yauzl reads the central directory
 * and every local header (structure, names, bounds — no hand-written parsing), and each entry's data is
 * checked here with one synchronous call: stored bytes or `inflateRawSync` (bounded by the declared size; entries
 * over 64 MiB as a stream, so memory stays bounded — callers check the archive limits on the declared sizes first), then
 * the size and the CRC-32 against the central directory. yauzl's own streams inflated through many small async
 * zlib calls (~16 KiB each), which made a 37 MB zip take seconds; and yauzl never checks CRC-32 at all.
 *
 * yauzl reads headers through a `RandomAccessReader` whose `read` copies from the buffer (the documented way to
 * speed a reader up): `fromBuffer`'s default `read` builds a stream pair for every 30-byte header, which cost
 * more than inflating the data.
 *
 * A zip is verified in `shards` parts (an entry belongs to the shard its name's CRC-32 picks, so the same file
 * lands on the same worker upload after upload) so that worker threads can share the work; every shard walks
 * the whole central directory.
 *
 * Entries already verified (`VerifiedEntries`: same method, declared size and CRC-32, and compressed bytes with
 * the same SHA-256) are not inflated again: verification is a function of exactly those, so the answer cannot
 * differ. A re-upload after an edit then inflates only the entries that changed.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { crc32, createInflateRaw, inflateRawSync } from "node:zlib";
import * as yauzl from "yauzl";
import { checkDeclaredEntries, checkEntryCount, type ArchiveLimits } from "./archive-limits";

/** Entries declaring more than this are inflated as a stream (bounded memory), not into one buffer. */
const WHOLE_ENTRY_MAX = 64 * 1024 * 1024;

/** Why a zip was refused (callers map it to 400 FSS.1011). */
export class ZipVerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipVerifyError";
  }
}

/** A yauzl reader over a Buffer whose reads are plain copies, answered as microtasks (no stack growth). */
class BufferReader extends yauzl.RandomAccessReader {
  constructor(private readonly buffer: Buffer) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([this.buffer.subarray(start, end)]);
  }
  override read(into: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    const n = this.buffer.copy(into, offset, position, Math.min(position + length, this.buffer.length));
    queueMicrotask(() => callback(null, n));
  }
}

/** Inflates a big entry chunk by chunk: size and CRC-32 checked incrementally, never held whole. */
function checkLargeData(zip: Buffer, entry: yauzl.Entry, start: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let crc = 0;
    const inflate = createInflateRaw({ chunkSize: 1024 * 1024 });
    inflate.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > entry.uncompressedSize) {
        inflate.destroy();
        reject(new ZipVerifyError(`${entry.fileName}: inflates past the ${entry.uncompressedSize} bytes the central directory says`));
        return;
      }
      crc = crc32(chunk, crc);
    });
    inflate.on("error", (err) => reject(new ZipVerifyError(`${entry.fileName}: invalid deflate data (${err.message})`)));
    inflate.on("end", () => {
      if (size !== entry.uncompressedSize) reject(new ZipVerifyError(`${entry.fileName}: ${size} bytes of data, the central directory says ${entry.uncompressedSize}`));
      else if (crc >>> 0 !== entry.crc32 >>> 0) reject(new ZipVerifyError(`${entry.fileName}: CRC-32 mismatch`));
      else resolve();
    });
    inflate.end(zip.subarray(start, start + entry.compressedSize));
  });
}

/** Keys of entries verified before (bounded: forgotten all at once when full — a cache, never an answer). */
export class VerifiedEntries {
  private readonly keys = new Set<string>();

  constructor(private readonly max = 250_000) {}

  /** The key of an entry: what its verification depends on. */
  static key(entry: yauzl.Entry, data: Buffer): string {
    return `${entry.compressionMethod}:${entry.uncompressedSize}:${entry.crc32 >>> 0}:${createHash("sha256").update(data).digest("base64")}`;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.size >= this.max) this.keys.clear();
    this.keys.add(key);
  }
}

function checkData(zip: Buffer, entry: yauzl.Entry, start: number, verified?: VerifiedEntries): void {
  const data = zip.subarray(start, start + entry.compressedSize);
  const key = verified && VerifiedEntries.key(entry, data);
  if (key && verified.has(key)) return;
  checkContent(entry, data);
  if (key) verified.add(key);
}

function checkContent(entry: yauzl.Entry, data: Buffer): void {
  let content: Buffer;
  if (entry.compressionMethod === 0) {
    content = data;
  } else if (entry.compressionMethod === 8) {
    try {
      // One byte of room past the declared size: a longer stream fails here instead of being inflated whole.
      // The output buffer sized to the whole entry: one inflate call instead of one per 16 KiB chunk.
      const room = entry.uncompressedSize + 1;
      content = inflateRawSync(data, { maxOutputLength: room, chunkSize: Math.max(64, Math.min(room, 64 * 1024 * 1024)) });
    } catch (err) {
      throw new ZipVerifyError(`${entry.fileName}: invalid deflate data (${(err as Error).message})`);
    }
  } else {
    throw new ZipVerifyError(`${entry.fileName}: unsupported compression method ${entry.compressionMethod}`);
  }
  if (content.length !== entry.uncompressedSize) {
    throw new ZipVerifyError(`${entry.fileName}: ${content.length} bytes of data, the central directory says ${entry.uncompressedSize}`);
  }
  if (crc32(content) >>> 0 !== entry.crc32 >>> 0) throw new ZipVerifyError(`${entry.fileName}: CRC-32 mismatch`);
}

/** The shard of `shards` an entry belongs to, by its name; `weighted`: half a share for shard 0 (it also digests the zip). */
function shardOf(name: string, shards: number, weighted: boolean): number {
  if (shards === 1) return 0;
  if (!weighted) return crc32(name) % shards;
  const v = crc32(name) % (2 * shards - 1);
  return v === 0 ? 0 : 1 + ((v - 1) >> 1);
}

/**
 * Verifies the entries of shard `shard` of `shards` (all of them by default), skipping those in `verified` and
 * adding the others once checked; resolves with the number of entries in the zip. With `limits`, the whole
 * central directory is checked against them first (every shard does: nothing is inflated before). Rejects with
 * `ZipVerifyError` on any problem, or the `ArchiveLimitError` of a limit.
 */
export function verifyZip(
  zip: Buffer, shard = 0, shards = 1, verified?: VerifiedEntries, limits?: ArchiveLimits, weighted = false,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(err instanceof ZipVerifyError ? err : new ZipVerifyError(err instanceof Error ? err.message : String(err)));
    const options = { lazyEntries: true, strictFileNames: false, validateEntrySizes: true, autoClose: false };
    yauzl.fromRandomAccessReader(new BufferReader(zip), zip.length, options, (err, file) => {
      if (err || !file) return fail(err ?? "unreadable zip");
      if (limits) {
        try {
          checkEntryCount(file.entryCount, limits);
        } catch (limit) {
          return reject(limit);
        }
      }
      // One walk of the central directory; the local headers and data of this shard's entries are read after it.
      const entries: yauzl.Entry[] = [];
      file.on("error", fail);
      file.on("entry", (entry: yauzl.Entry) => {
        entries.push(entry);
        file.readEntry();
      });
      file.on("end", () => {
        if (limits) {
          try {
            checkDeclaredEntries(entries.map((e) => ({ name: e.fileName, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize })), zip.length, limits);
          } catch (limit) {
            return reject(limit);
          }
        }
        const mine = entries.filter((e) => shards === 1 || shardOf(e.fileName, shards, weighted) === shard);
        let i = 0;
        const next = (): void => {
          if (i === mine.length) return resolve(entries.length);
          const entry = mine[i++];
          if (entry.isEncrypted()) return fail(`${entry.fileName}: encrypted entries are not supported`);
          file.readLocalFileHeader(entry, { minimal: true }, (e, header) => {
            if (e) return fail(e);
            if (entry.compressionMethod === 8 && entry.uncompressedSize > WHOLE_ENTRY_MAX) {
              checkLargeData(zip, entry, header.fileDataStart).then(next, fail);
              return;
            }
            try {
              checkData(zip, entry, header.fileDataStart, verified);
            } catch (bad) {
              return fail(bad);
            }
            next();
          });
        };
        next();
      });
      file.readEntry();
    });
  });
}
