/**
 * The ZIP container bytes (APPNOTE 6.3): local headers, central directory, end record. Every field that could
 * vary by machine is a constant here: DOS date 1980-01-01 00:00 written as raw numbers (never derived from a
 * `Date`, so no time zone can shift it), no extra fields (no 0x5455 timestamps, no 0x7875 uid/gid), no data
 * descriptors (sizes and CRC are in the local header), version-made-by Unix with the normalised mode in the
 * external attributes so exec bits survive, and the UTF-8 flag exactly when the name is not ASCII.
 * ZIP64: only the end records. When the entry count reaches 0xFFFF or the central directory's size or offset
 * reaches 0xFFFFFFFF, a zip64 end of central directory record and locator (APPNOTE 4.3.14/4.3.15) are written
 * before the classic end record, whose overflowing fields are then set to 0xFFFF / 0xFFFFFFFF. Below those
 * thresholds not one byte changes, so ordinary zips stay identical. Per-entry zip64 extra fields are never
 * written: every entry's sizes and local header offset must stay below 0xFFFFFFFF (`ZIP_LIMITS.maxBytes`).
 */

/**
 * Limits of the 16/32-bit fields. `maxEntries`: the most entries the classic end record holds (from this
 * count on, zip64 end records are added automatically). `maxBytes`: an entry's sizes and local header offset
 * must be below it (no per-entry zip64 fields).
 */
export const ZIP_LIMITS = Object.freeze({ maxEntries: 0xffff, maxBytes: 0xffffffff });

/** Compression method: 0 stored, 8 deflate. */
export type ZipMethod = 0 | 8;

/** What the writer needs to know about one entry once its body is ready (placement not included). */
export interface ZipEntryFields {
  /** Entry name: relative, `/` separators; a string is written as UTF-8, a Buffer as is (must be UTF-8). */
  readonly name: string | Buffer;
  readonly method: ZipMethod;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Normalised Unix permission bits (0o644 / 0o755). */
  readonly mode: number;
}

/** An entry with its UTF-8 name and the offset of its local header (for `localHeader` / `centralHeader`). */
export interface ZipEntry extends ZipEntryFields {
  readonly name: Buffer;
  /** Offset of the local header from the start of the archive. */
  readonly offset: number;
}

/** Sizes of the fixed parts of the records. */
export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const END_RECORD_SIZE = 22;
/** Size of the zip64 end of central directory record (no extensible data) plus its locator. */
export const ZIP64_END_RECORDS_SIZE = 56 + 20;

/** DOS time 00:00:00 and date 1980-01-01 ((1980-1980)<<9 | 1<<5 | 1), constants independent of the time zone. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** General purpose flag bit 11: names are UTF-8. */
const FLAG_UTF8 = 0x0800;
/** Version made by: high byte 3 = Unix (so readers apply the external attributes), low byte 20 = spec 2.0. */
const VERSION_MADE_BY = (3 << 8) | 20;
/** S_IFREG, the file-type bits that go with the permission bits in the external attributes. */
const S_IFREG = 0o100000;

function nameLengthOf(name: string | Buffer): number {
  return typeof name === "string" ? Buffer.byteLength(name, "utf8") : name.length;
}

/** UTF-8 flag exactly when the name is not pure ASCII. */
function flagsFor(name: string | Buffer, nameLength: number): number {
  if (typeof name === "string") return nameLength !== name.length ? FLAG_UTF8 : 0;
  for (let i = 0; i < name.length; i++) if (name[i] > 0x7f) return FLAG_UTF8;
  return 0;
}

function writeName(b: Buffer, at: number, name: string | Buffer): number {
  return typeof name === "string" ? b.write(name, at, "utf8") : name.copy(b, at);
}

function versionNeeded(method: ZipMethod): number {
  return method === 8 ? 20 : 10;
}

/** Bytes the local header of `entry` takes (fixed part + UTF-8 name). */
export function localHeaderSize(entry: ZipEntryFields): number {
  return LOCAL_HEADER_SIZE + nameLengthOf(entry.name);
}

/** Bytes the central directory header of `entry` takes. */
export function centralHeaderSize(entry: ZipEntryFields): number {
  return CENTRAL_HEADER_SIZE + nameLengthOf(entry.name);
}

/** Writes the local file header of `entry` at `at`; returns the offset after it. */
export function writeLocalHeader(b: Buffer, at: number, entry: ZipEntryFields): number {
  const nameLength = nameLengthOf(entry.name);
  b.writeUInt32LE(0x04034b50, at);
  b.writeUInt16LE(versionNeeded(entry.method), at + 4);
  b.writeUInt16LE(flagsFor(entry.name, nameLength), at + 6);
  b.writeUInt16LE(entry.method, at + 8);
  b.writeUInt16LE(DOS_TIME, at + 10);
  b.writeUInt16LE(DOS_DATE, at + 12);
  b.writeUInt32LE(entry.crc32 >>> 0, at + 14);
  b.writeUInt32LE(entry.compressedSize, at + 18);
  b.writeUInt32LE(entry.uncompressedSize, at + 22);
  b.writeUInt16LE(nameLength, at + 26);
  b.writeUInt16LE(0, at + 28); // no extra field
  return at + LOCAL_HEADER_SIZE + writeName(b, at + LOCAL_HEADER_SIZE, entry.name);
}

/** Writes the central directory header of `entry` (whose local header is at `localOffset`) at `at`. */
export function writeCentralHeader(b: Buffer, at: number, entry: ZipEntryFields, localOffset: number): number {
  const nameLength = nameLengthOf(entry.name);
  b.writeUInt32LE(0x02014b50, at);
  b.writeUInt16LE(VERSION_MADE_BY, at + 4);
  b.writeUInt16LE(versionNeeded(entry.method), at + 6);
  b.writeUInt16LE(flagsFor(entry.name, nameLength), at + 8);
  b.writeUInt16LE(entry.method, at + 10);
  b.writeUInt16LE(DOS_TIME, at + 12);
  b.writeUInt16LE(DOS_DATE, at + 14);
  b.writeUInt32LE(entry.crc32 >>> 0, at + 16);
  b.writeUInt32LE(entry.compressedSize, at + 20);
  b.writeUInt32LE(entry.uncompressedSize, at + 24);
  b.writeUInt16LE(nameLength, at + 28);
  b.writeUInt16LE(0, at + 30); // extra length
  b.writeUInt16LE(0, at + 32); // comment length
  b.writeUInt16LE(0, at + 34); // disk number
  b.writeUInt16LE(0, at + 36); // internal attributes
  b.writeUInt32LE(((S_IFREG | entry.mode) << 16) >>> 0, at + 38);
  b.writeUInt32LE(localOffset, at + 42);
  return at + CENTRAL_HEADER_SIZE + writeName(b, at + CENTRAL_HEADER_SIZE, entry.name);
}

/**
 * True when the end records need zip64: the count does not fit 16 bits or the central directory's size or
 * offset does not fit 32 bits. The all-ones values are reserved ("see the zip64 record"), so they count too.
 */
export function needsZip64(entryCount: number, centralSize: number, centralOffset: number): boolean {
  return entryCount >= ZIP64_THRESHOLDS.entries || centralSize >= 0xffffffff || centralOffset >= 0xffffffff;
}

/**
 * INTERNAL, for tests only: the entry count from which zip64 end records are written (0xFFFF, the format's
 * limit). Tests lower it to exercise the zip64 path on a small tree in milliseconds and restore it; changing
 * it anywhere else changes the bytes of ordinary zips.
 */
export const ZIP64_THRESHOLDS: { entries: number } = { entries: 0xffff };

/** Bytes the end records take: 22, plus `ZIP64_END_RECORDS_SIZE` when `needsZip64`. */
export function endRecordsSize(entryCount: number, centralSize: number, centralOffset: number): number {
  return END_RECORD_SIZE + (needsZip64(entryCount, centralSize, centralOffset) ? ZIP64_END_RECORDS_SIZE : 0);
}

/** Version 4.5: the first APPNOTE version with zip64; made by Unix like the entries. */
const ZIP64_VERSION_NEEDED = 45;

/**
 * Writes the end records at `at` (the offset right after the central directory): when `needsZip64`, the
 * zip64 end of central directory record and its locator, then always the classic end record (no comment).
 * Returns the offset after them (`at + endRecordsSize(…)`).
 */
export function writeEndOfCentralDirectory(b: Buffer, at: number, entryCount: number, centralSize: number, centralOffset: number): number {
  const zip64 = needsZip64(entryCount, centralSize, centralOffset);
  if (zip64) {
    const recordOffset = centralOffset + centralSize; // absolute: the record follows the central directory
    b.writeUInt32LE(0x06064b50, at);
    b.writeBigUInt64LE(44n, at + 4); // size of the rest of the record
    b.writeUInt16LE((3 << 8) | ZIP64_VERSION_NEEDED, at + 12);
    b.writeUInt16LE(ZIP64_VERSION_NEEDED, at + 14);
    b.writeUInt32LE(0, at + 16); // this disk
    b.writeUInt32LE(0, at + 20); // disk with the central directory
    b.writeBigUInt64LE(BigInt(entryCount), at + 24);
    b.writeBigUInt64LE(BigInt(entryCount), at + 32);
    b.writeBigUInt64LE(BigInt(centralSize), at + 40);
    b.writeBigUInt64LE(BigInt(centralOffset), at + 48);
    at += 56;
    b.writeUInt32LE(0x07064b50, at);
    b.writeUInt32LE(0, at + 4); // disk with the zip64 end record
    b.writeBigUInt64LE(BigInt(recordOffset), at + 8);
    b.writeUInt32LE(1, at + 16); // total disks
    at += 20;
  }
  b.writeUInt32LE(0x06054b50, at);
  b.writeUInt16LE(0, at + 4);
  b.writeUInt16LE(0, at + 6);
  b.writeUInt16LE(Math.min(entryCount, 0xffff), at + 8);
  b.writeUInt16LE(Math.min(entryCount, 0xffff), at + 10);
  b.writeUInt32LE(Math.min(centralSize, 0xffffffff), at + 12);
  b.writeUInt32LE(Math.min(centralOffset, 0xffffffff), at + 16);
  b.writeUInt16LE(0, at + 20);
  return at + END_RECORD_SIZE;
}

/** Local file header for `entry` as its own buffer (30 bytes + name). */
export function localHeader(entry: ZipEntry): Buffer {
  const b = Buffer.allocUnsafe(localHeaderSize(entry)); // every byte is written
  writeLocalHeader(b, 0, entry);
  return b;
}

/** Central directory header for `entry` as its own buffer (46 bytes + name). */
export function centralHeader(entry: ZipEntry): Buffer {
  const b = Buffer.allocUnsafe(centralHeaderSize(entry)); // every byte is written
  writeCentralHeader(b, 0, entry, entry.offset);
  return b;
}

/** The end records (see `writeEndOfCentralDirectory`: 22 bytes, or 98 with zip64) as their own buffer. */
export function endOfCentralDirectory(entryCount: number, centralSize: number, centralOffset: number): Buffer {
  const b = Buffer.allocUnsafe(endRecordsSize(entryCount, centralSize, centralOffset)); // every byte is written
  writeEndOfCentralDirectory(b, 0, entryCount, centralSize, centralOffset);
  return b;
}
