/**
 * A small deterministic zip writer for the import package: every entry STORED (method 0 — the inner code zip
 * is already compressed), in the given order, with the container bytes of provider/package/zip-format.ts
 * (constant DOS date 1980-01-01, no extra fields, no data descriptors, fixed 0644 mode). Identical entries give
 * identical bytes. For a handful of in-memory entries; provider/package streams large trees.
 */
import { crc32 } from "node:zlib";
import {
  centralHeader, endOfCentralDirectory, localHeader, ZIP_LIMITS, type ZipEntry,
} from "../package/zip-format";

/** One file of a stored zip: a name and its bytes. */
export interface StoredEntry {
  name: string;
  data: Buffer;
}

/** Writes `entries` in the given order as a stored zip (classic format: under 4 GiB and 65535 entries). */
export function writeStoredZip(entries: readonly StoredEntry[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const entry: ZipEntry = { name: Buffer.from(name, "utf8"), method: 0, crc32: crc32(data) >>> 0,
      compressedSize: data.length, uncompressedSize: data.length, mode: 0o644, offset };
    const local = localHeader(entry);
    parts.push(local, data);
    centrals.push(centralHeader(entry));
    offset += local.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  if (offset + centralSize > ZIP_LIMITS.maxBytes || entries.length > ZIP_LIMITS.maxEntries) {
    throw new RangeError("stored zip too large for the classic zip format (4 GiB, 65535 entries)");
  }
  return Buffer.concat([...parts, ...centrals, endOfCentralDirectory(entries.length, centralSize, offset)]);
}
