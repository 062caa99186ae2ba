/**
 * A small deterministic zip writer for the import package: every entry STORED (method 0 — the inner code zip
 * is already compressed), in the given order, with the container bytes of provider/package/zip-format.ts
 * (constant DOS date 1980-01-01, no extra fields, no data descriptors, fixed 0644 mode). Identical entries give
 * identical bytes. An entry's bytes are in memory or read on demand (a package's spool file): the zip's size is
 * known from the entry sizes alone, and it is produced piece by piece, so a large entry is never held whole.
 */
import { crc32 } from "node:zlib";
import type { ZipPieces } from "../package/spooled-zip";
import {
  centralHeader, centralHeaderSize, endOfCentralDirectory, endRecordsSize, localHeader, localHeaderSize, ZIP_LIMITS,
  type ZipEntry, type ZipEntryFields,
} from "../package/zip-format";

/** One file of a stored zip: a name and its bytes, in memory or read on demand (each pass reads them again). */
export interface StoredEntry {
  name: string;
  data: Uint8Array | ZipPieces;
}

const sizeOf = (data: Uint8Array | ZipPieces): number => (data instanceof Uint8Array ? data.length : data.size);
const piecesOf = (data: Uint8Array | ZipPieces): Iterable<Uint8Array> => (data instanceof Uint8Array ? [data] : data.pieces());

/** CRC-32 of `data`, read once; refuses a source that yields another length than it announced. */
function crcOf(name: string, data: Uint8Array | ZipPieces): number {
  let crc = 0;
  let length = 0;
  for (const piece of piecesOf(data)) {
    crc = crc32(piece, crc);
    length += piece.length;
  }
  if (length !== sizeOf(data)) throw new Error(`stored zip entry ${name}: read ${length} bytes, expected ${sizeOf(data)} (its file changed while zipping?)`);
  return crc >>> 0;
}

/**
 * `entries` in the given order as a stored zip (classic format: under 4 GiB and 65535 entries), produced on
 * demand: `size` is known at once (nothing read); the first `pieces()` pass reads each entry once for its
 * CRC-32, and every pass then reads the entries again in order. Throws `RangeError` beyond the classic format.
 */
export function storedZip(entries: readonly StoredEntry[]): ZipPieces {
  const names = entries.map((e) => Buffer.from(e.name, "utf8"));
  // Header sizes depend on the name only: placed before any CRC is known.
  const shapeOf = (i: number): ZipEntryFields => ({ name: names[i], method: 0, crc32: 0, compressedSize: 0, uncompressedSize: 0, mode: 0o644 });
  let offset = 0;
  let centralSize = 0;
  const offsets = entries.map((e, i) => {
    const at = offset;
    offset += localHeaderSize(shapeOf(i)) + sizeOf(e.data);
    centralSize += centralHeaderSize(shapeOf(i));
    return at;
  });
  if (offset + centralSize > ZIP_LIMITS.maxBytes || entries.length > ZIP_LIMITS.maxEntries) {
    throw new RangeError("stored zip too large for the classic zip format (4 GiB, 65535 entries)");
  }
  let headers: ZipEntry[] | undefined;
  const described = (): ZipEntry[] => (headers ??= entries.map((e, i) => {
    const length = sizeOf(e.data);
    return { name: names[i], method: 0, crc32: crcOf(e.name, e.data), compressedSize: length, uncompressedSize: length, mode: 0o644, offset: offsets[i] };
  }));
  const size = offset + centralSize + endRecordsSize(entries.length, centralSize, offset);
  return {
    size,
    *pieces() {
      const placed = described();
      for (let i = 0; i < entries.length; i++) {
        yield localHeader(placed[i]);
        yield* piecesOf(entries[i].data);
      }
      for (const entry of placed) yield centralHeader(entry);
      yield endOfCentralDirectory(entries.length, centralSize, offset);
    },
  };
}

/** Writes `entries` in the given order as a stored zip in one Buffer (see `storedZip`). */
export function writeStoredZip(entries: readonly StoredEntry[]): Buffer {
  const zip = storedZip(entries);
  const out = Buffer.allocUnsafe(zip.size);
  let at = 0;
  for (const piece of zip.pieces()) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
