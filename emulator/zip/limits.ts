/**
 * Bounds on every archive the emulator reads (code zips, import packages and the code zip inside them, admin
 * uploads), checked against the central directory BEFORE a single byte is inflated: entry count, per-entry and
 * total uncompressed size (the service's 1.5 GB), and compression ratio (per entry and over the archive, which
 * also catches overlapping-entry bombs). The declared sizes can be trusted as upper bounds because the reader
 * (reader.ts `inflateEntry`) stops any entry that inflates to more than it declared. A limit broken is a
 * `ZipError` with code `ZIP_LIMIT`, which callers map to their route's "too large" error.
 */
import { SIZE_LIMITS } from "../../provider/api/constraints";
import { ZipError } from "./error";

/** The limits one read applies. */
export interface ArchiveLimits {
  /** Most entries (files and directories). */
  maxEntries: number;
  /** Largest uncompressed entry, bytes. */
  maxEntryBytes: number;
  /** Largest total uncompressed size, bytes. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of an entry, and of the whole archive (uncompressed / archive bytes)… */
  maxRatio: number;
  /** …judged only above this many uncompressed bytes (tiny files of zeros compress 1000:1 and harm nobody). */
  ratioFloorBytes: number;
}

/**
 * The defaults. [U] The service documents only the 1.5 GB uncompressed limit; the entry count and the ratio are
 * the emulator's own guards (deflate tops out near 1032:1; source code and typical assets stay far below 200:1).
 */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 100_000,
  maxEntryBytes: SIZE_LIMITS.uncompressed,
  maxTotalBytes: SIZE_LIMITS.uncompressed,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
});

/** The error of an archive over one of the limits; `detail` says which and by how much. */
export function overLimit(detail: string): ZipError {
  return new ZipError("ZIP_LIMIT", detail);
}

/** What the central directory says about one entry. */
export interface DeclaredEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
}

/** Throws a `ZIP_LIMIT` error when the entry count alone is over the limit (checked before listing). */
export function checkEntryCount(count: number, limits: ArchiveLimits): void {
  if (count > limits.maxEntries) throw overLimit(`the archive has ${count} entries, more than ${limits.maxEntries}`);
}

/**
 * Throws a `ZIP_LIMIT` error when the declared entries break a limit: count, any entry's size or ratio, the
 * total size, or the ratio of the total to `archiveBytes`.
 */
export function checkDeclaredEntries(entries: readonly DeclaredEntry[], archiveBytes: number, limits: ArchiveLimits): void {
  checkEntryCount(entries.length, limits);
  let total = 0;
  for (const e of entries) {
    const over = entryOverLimits(e, limits);
    if (over) throw overLimit(over);
    total += e.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw overLimit(`the archive inflates to more than ${limits.maxTotalBytes} bytes (reached at entry '${e.name}')`);
    }
  }
  if (total > limits.ratioFloorBytes && total > limits.maxRatio * Math.max(1, archiveBytes)) {
    throw overLimit(`the archive inflates ${ratio(total, archiveBytes)}:1 (${archiveBytes} to ${total} bytes), more than ${limits.maxRatio}:1`);
  }
}

/** What is wrong with one declared entry under `limits` (its size or its ratio), or undefined when nothing is. */
export function entryOverLimits(e: DeclaredEntry, limits: ArchiveLimits): string | undefined {
  if (e.uncompressedSize > limits.maxEntryBytes) {
    return `entry '${e.name}' inflates to ${e.uncompressedSize} bytes, more than ${limits.maxEntryBytes}`;
  }
  if (e.uncompressedSize > limits.ratioFloorBytes && e.uncompressedSize > limits.maxRatio * Math.max(1, e.compressedSize)) {
    return `entry '${e.name}' inflates ${ratio(e.uncompressedSize, e.compressedSize)}:1 (${e.compressedSize} to ${e.uncompressedSize} bytes), more than ${limits.maxRatio}:1`;
  }
  return undefined;
}

function ratio(big: number, small: number): number {
  return Math.round(big / Math.max(1, small));
}
