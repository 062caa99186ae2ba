/**
 * Full verification of an uploaded code zip, fast enough for a 50 MB upload: the central directory and local
 * headers are read by the reader (reader.ts: structure, names, bounds), and each entry's data is inflated and
 * checked (size and CRC-32) with one synchronous call (`checkEntry`; entries over 64 MiB as a stream, so memory
 * stays bounded — the archive limits are checked on the declared sizes first).
 *
 * A zip is verified in `shards` parts (an entry belongs to the shard its name's CRC-32 picks, so the same file
 * lands on the same worker upload after upload) so that worker threads can share the work; every shard walks
 * the whole central directory.
 *
 * Entries already verified (`VerifiedEntries`: same method, declared size and CRC-32, and compressed bytes with
 * the same SHA-256) are not inflated again: verification is a function of exactly those, so the answer cannot
 * differ. A re-upload after an edit then inflates only the entries that changed. Entries checked while the
 * upload arrived (`WalkedEntries`, stream-walk.ts) are not checked again when the central directory names
 * the same data with the same fields.
 */
import { hash } from "node:crypto";
import { crc32 } from "node:zlib";
import { checkDeclaredEntries, checkEntryCount, type ArchiveLimits } from "./limits";
import { checkEntry, dataStart, inflateLargeEntry, readCentralDirectory, WHOLE_ENTRY_MAX, type EntryFields } from "./reader";

/** Keys of entries verified before (bounded: forgotten all at once when full — a cache, never an answer). */
export class VerifiedEntries {
  private readonly keys = new Set<string>();

  constructor(private readonly max = 250_000) {}

  /** The key of an entry: what its verification depends on. */
  static key(entry: EntryFields, data: Buffer): string {
    return `${entry.method}:${entry.uncompressedSize}:${entry.crc32 >>> 0}:${hash("sha256", data, "base64")}`;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.size >= this.max) this.keys.clear();
    this.keys.add(key);
  }
}

/**
 * Entries whose data was checked while the zip arrived (stream-walk.ts): by the absolute offset of the
 * data, the fields it was checked against.
 */
export type WalkedEntries = ReadonlyMap<number, EntryFields>;

/** Whether `walked` was checked against exactly `entry`'s method, sizes and CRC-32. */
export function sameFields(walked: EntryFields | undefined, entry: EntryFields): boolean {
  return walked !== undefined && walked.method === entry.method && walked.crc32 >>> 0 === entry.crc32 >>> 0 &&
    walked.compressedSize === entry.compressedSize && walked.uncompressedSize === entry.uncompressedSize;
}

/**
 * Checks one entry's data (`zip[start, start + compressedSize)`) against its declared fields — unless
 * `verified` remembers exactly that — and remembers it. Throws a `ZipError`.
 */
export function checkData(zip: Buffer, entry: EntryFields, start: number, verified?: VerifiedEntries): void {
  const data = zip.subarray(start, start + entry.compressedSize);
  const key = verified && VerifiedEntries.key(entry, data);
  if (key && verified.has(key)) return;
  checkEntry(entry, data);
  if (key) verified.add(key);
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
 * a `ZipError`: `ZIP_INVALID` on any problem, `ZIP_LIMIT` for a limit.
 */
export async function verifyZip(
  zip: Buffer, shard = 0, shards = 1, verified?: VerifiedEntries, limits?: ArchiveLimits, weighted = false, walked?: WalkedEntries,
): Promise<number> {
  const { entries, offset } = readCentralDirectory(zip, limits && ((n) => checkEntryCount(n, limits)));
  if (limits) checkDeclaredEntries(entries, zip.length, limits);
  for (const entry of entries) {
    if (shards > 1 && shardOf(entry.name, shards, weighted) !== shard) continue;
    const start = dataStart(zip, entry, offset);
    if (walked && sameFields(walked.get(start), entry)) continue; // these very bytes, checked against these fields
    if (entry.method === 8 && entry.uncompressedSize > WHOLE_ENTRY_MAX) await inflateLargeEntry(entry, zip.subarray(start, start + entry.compressedSize));
    else checkData(zip, entry, start, verified);
  }
  return entries.length;
}
