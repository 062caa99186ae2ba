/**
 * Bounds on every archive the emulator reads (code zips, import packages and the code zip inside them, admin
 * uploads), checked against the central directory BEFORE a single byte is inflated: entry count, per-entry and
 * total uncompressed size (the service's 1.5 GB), and compression ratio (per entry and over the archive, which
 * also catches overlapping-entry bombs). The declared sizes can be trusted as upper bounds because the reader
 * (zip-reader.ts) has yauzl stop any entry that inflates to more than it declared.
 */
import { SIZE_LIMITS } from "../provider/api/constraints";

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

/** An archive over one of the limits; `detail` says which and by how much. Callers map it to the route's error. */
export class ArchiveLimitError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "ArchiveLimitError";
  }
}

/** What the central directory says about one entry. */
export interface DeclaredEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
}

/** Throws `ArchiveLimitError` when the entry count alone is over the limit (checked before listing). */
export function checkEntryCount(count: number, limits: ArchiveLimits): void {
  if (count > limits.maxEntries) throw new ArchiveLimitError(`the archive has ${count} entries, more than ${limits.maxEntries}`);
}

/**
 * Throws `ArchiveLimitError` when the declared entries break a limit: count, any entry's size or ratio, the
 * total size, or the ratio of the total to `archiveBytes`.
 */
export function checkDeclaredEntries(entries: readonly DeclaredEntry[], archiveBytes: number, limits: ArchiveLimits): void {
  checkEntryCount(entries.length, limits);
  let total = 0;
  for (const e of entries) {
    const over = entryOverLimits(e, limits);
    if (over) throw new ArchiveLimitError(over);
    total += e.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new ArchiveLimitError(`the archive inflates to more than ${limits.maxTotalBytes} bytes (reached at entry '${e.name}')`);
    }
  }
  if (total > limits.ratioFloorBytes && total > limits.maxRatio * Math.max(1, archiveBytes)) {
    throw new ArchiveLimitError(`the archive inflates ${ratio(total, archiveBytes)}:1 (${archiveBytes} to ${total} bytes), more than ${limits.maxRatio}:1`);
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
