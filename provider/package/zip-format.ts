/**
 * The ZIP container bytes (APPNOTE 6.3): local headers, central directory, end record. Every field that could
 * vary by machine is a constant here: DOS date 1980-01-01 00:00 written as raw numbers (never derived from a
 * `Date`, so no time zone can shift it), no extra fields (no 0x5455 timestamps, no 0x7875 uid/gid), no data
 * descriptors (sizes and CRC are in the local header), version-made-by Unix with the normalised mode in the
 * external attributes so exec bits survive, and the UTF-8 flag exactly when the name is not ASCII.
 * No zip64: callers must stay under `ZIP_LIMITS`.
 */

/** Limits of the classic (non-zip64) format. */
export const ZIP_LIMITS = Object.freeze({ maxEntries: 0xffff, maxBytes: 0xffffffff });

/** Compression method: 0 stored, 8 deflate. */
export type ZipMethod = 0 | 8;

/** What the writer needs to know about one entry once its body is ready. */
export interface ZipEntry {
  /** Entry name, UTF-8 bytes, `/` separators, relative. */
  readonly name: Buffer;
  readonly method: ZipMethod;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Normalised Unix permission bits (0o644 / 0o755). */
  readonly mode: number;
  /** Offset of the local header from the start of the archive. */
  readonly offset: number;
}

/** DOS time 00:00:00 and date 1980-01-01 ((1980-1980)<<9 | 1<<5 | 1), constants independent of the time zone. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** General purpose flag bit 11: names are UTF-8. */
const FLAG_UTF8 = 0x0800;
/** Version made by: high byte 3 = Unix (so readers apply the external attributes), low byte 20 = spec 2.0. */
const VERSION_MADE_BY = (3 << 8) | 20;
/** S_IFREG, the file-type bits that go with the permission bits in the external attributes. */
const S_IFREG = 0o100000;

function flagsFor(name: Buffer): number {
  for (let i = 0; i < name.length; i++) if (name[i] > 0x7f) return FLAG_UTF8;
  return 0;
}

function versionNeeded(method: ZipMethod): number {
  return method === 8 ? 20 : 10;
}

/** Local file header for `entry` (30 bytes + name). */
export function localHeader(entry: ZipEntry): Buffer {
  const b = Buffer.allocUnsafe(30 + entry.name.length); // every byte is written below
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(versionNeeded(entry.method), 4);
  b.writeUInt16LE(flagsFor(entry.name), 6);
  b.writeUInt16LE(entry.method, 8);
  b.writeUInt16LE(DOS_TIME, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  b.writeUInt32LE(entry.crc32 >>> 0, 14);
  b.writeUInt32LE(entry.compressedSize, 18);
  b.writeUInt32LE(entry.uncompressedSize, 22);
  b.writeUInt16LE(entry.name.length, 26);
  b.writeUInt16LE(0, 28);
  entry.name.copy(b, 30);
  return b;
}

/** Central directory header for `entry` (46 bytes + name). */
export function centralHeader(entry: ZipEntry): Buffer {
  const b = Buffer.allocUnsafe(46 + entry.name.length); // every byte is written below
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(VERSION_MADE_BY, 4);
  b.writeUInt16LE(versionNeeded(entry.method), 6);
  b.writeUInt16LE(flagsFor(entry.name), 8);
  b.writeUInt16LE(entry.method, 10);
  b.writeUInt16LE(DOS_TIME, 12);
  b.writeUInt16LE(DOS_DATE, 14);
  b.writeUInt32LE(entry.crc32 >>> 0, 16);
  b.writeUInt32LE(entry.compressedSize, 20);
  b.writeUInt32LE(entry.uncompressedSize, 24);
  b.writeUInt16LE(entry.name.length, 28);
  b.writeUInt16LE(0, 30); // extra length
  b.writeUInt16LE(0, 32); // comment length
  b.writeUInt16LE(0, 34); // disk number
  b.writeUInt16LE(0, 36); // internal attributes
  b.writeUInt32LE(((S_IFREG | entry.mode) << 16) >>> 0, 38);
  b.writeUInt32LE(entry.offset, 42);
  entry.name.copy(b, 46);
  return b;
}

/** End of central directory record (22 bytes, no comment). */
export function endOfCentralDirectory(entryCount: number, centralSize: number, centralOffset: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(0, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt16LE(entryCount, 8);
  b.writeUInt16LE(entryCount, 10);
  b.writeUInt32LE(centralSize, 12);
  b.writeUInt32LE(centralOffset, 16);
  b.writeUInt16LE(0, 20);
  return b;
}
