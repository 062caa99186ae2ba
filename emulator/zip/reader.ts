/**
 * The central directory of a zip held in memory, read for verification (zip-verify.ts): every entry's name,
 * method, flags, declared CRC-32 and sizes and where its data starts, with every offset and length checked
 * against the buffer. Zip64 end records and per-entry zip64 extra fields are understood; multi-disk archives
 * are not. Anything malformed throws `ZipVerifyError`.
 *
 * Written here rather than taken from yauzl (which the other readers use, zip-reader.ts) because the numbers
 * demanded it: walking 20,000 entries through yauzl's callbacks, `Entry` objects and one microtask-answered
 * read per local header took ~100 ms of each verification worker's ~170 ms on a re-upload, and its garbage
 * another share. A flat read of fixed-layout records takes a few milliseconds. The checks yauzl made that
 * matter here are kept: signatures, bounds, stored sizes, encrypted entries, absolute or `..` names.
 */
/** Why a zip was refused (callers map it to 400 FSS.1011). */
export class ZipVerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipVerifyError";
  }
}

/** One central directory entry, as declared. */
export interface DirectoryEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Record signatures (APPNOTE 4.3): end of central directory, central and local file headers. */
export const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
export const CENTRAL = 0x02014b50;
export const LOCAL = 0x04034b50;
/** Fixed part of a local file header; the name and extra field follow. */
export const LOCAL_HEADER = 30;
const MAX_COMMENT = 0xffff;

function fail(message: string): never {
  throw new ZipVerifyError(message);
}

/** A little-endian u64 as a safe integer (bigger ones cannot be an offset into a Buffer anyway). */
function u64(zip: Buffer, at: number): number {
  const v = zip.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail("a zip64 field is out of range");
  return Number(v);
}

function endOfCentralDirectory(zip: Buffer): number {
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - MAX_COMMENT); at--) {
    if (zip.readUInt32LE(at) === EOCD && at + 22 + zip.readUInt16LE(at + 20) === zip.length) return at;
  }
  return fail("end of central directory record signature not found");
}

/**
 * The entries of the central directory, in order, and where it starts (every entry's data ends before).
 * `checkCount` sees the declared entry count before any entry is read (and throws to refuse it).
 */
export function readCentralDirectory(zip: Buffer, checkCount?: (count: number) => void): { entries: DirectoryEntry[]; offset: number } {
  if (zip.length < 22) fail("end of central directory record signature not found");
  const eocd = endOfCentralDirectory(zip);
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0) fail("multi-disk zip files are not supported");
  let count = zip.readUInt16LE(eocd + 10);
  let size = zip.readUInt32LE(eocd + 12);
  let offset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== ZIP64_LOCATOR) fail("zip64 end of central directory locator not found");
    const record = u64(zip, locator + 8);
    if (record + 56 > locator || zip.readUInt32LE(record) !== ZIP64_EOCD) fail("zip64 end of central directory record not found");
    count = u64(zip, record + 32);
    size = u64(zip, record + 40);
    offset = u64(zip, record + 48);
  }
  checkCount?.(count);
  const end = offset + size;
  if (end > eocd) fail("the central directory runs past the end of the file");
  if (count * 46 > size) fail(`a central directory of ${size} bytes cannot hold ${count} entries`);
  const entries: DirectoryEntry[] = new Array(count);
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== CENTRAL) fail(`invalid central directory file header signature at entry ${i}`);
    const flags = zip.readUInt16LE(at + 8);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const next = at + 46 + nameLength + extraLength + zip.readUInt16LE(at + 32);
    if (next > end) fail(`central directory entry ${i} runs past the central directory`);
    // Names are read as UTF-8 with or without the flag (Info-ZIP on Unix writes UTF-8 without it); they only
    // name entries in messages and pick shards.
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const entry: DirectoryEntry = {
      name, flags, method: zip.readUInt16LE(at + 10), crc32: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20), uncompressedSize: zip.readUInt32LE(at + 24), localHeaderOffset: zip.readUInt32LE(at + 42),
    };
    if (entry.uncompressedSize === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
      readZip64Extra(zip, at + 46 + nameLength, extraLength, entry);
    }
    checkName(entry.name);
    if (flags & 0x1) fail(`${name}: encrypted entries are not supported`);
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
      fail(`${name}: stored entry's compressed size ${entry.compressedSize} differs from its uncompressed size ${entry.uncompressedSize}`);
    }
    entries[i] = entry;
    at = next;
  }
  return { entries, offset };
}

/** Replaces the all-ones fields of `entry` from its zip64 extra field (APPNOTE 4.5.3: in this order). */
function readZip64Extra(zip: Buffer, from: number, length: number, entry: DirectoryEntry): void {
  for (let at = from; at + 4 <= from + length;) {
    const id = zip.readUInt16LE(at);
    const size = zip.readUInt16LE(at + 2);
    if (at + 4 + size > from + length) break;
    if (id === 0x0001) {
      let p = at + 4;
      const take = (): number => {
        if (p + 8 > at + 4 + size) fail(`${entry.name}: zip64 extra field too short`);
        const v = u64(zip, p);
        p += 8;
        return v;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = take();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take();
      return;
    }
    at += 4 + size;
  }
  fail(`${entry.name}: zip64 extra field missing`);
}

/** A `..` component, between separators (`/` or `\`) or the ends of the name. */
const PARENT_COMPONENT = /(?:^|[/\\])\.\.(?:[/\\]|$)/;

function checkName(name: string): void {
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) fail(`absolute path: ${name}`);
  if (PARENT_COMPONENT.test(name)) fail(`invalid relative path: ${name}`);
}

/** Where `entry`'s data starts, after checking its local header; the data must end before the central directory. */
export function dataStart(zip: Buffer, entry: DirectoryEntry, centralOffset: number): number {
  const at = entry.localHeaderOffset;
  if (at + LOCAL_HEADER > zip.length || zip.readUInt32LE(at) !== LOCAL) fail(`${entry.name}: invalid local file header signature`);
  const start = localDataStart(zip, at);
  if (start + entry.compressedSize > centralOffset) fail(`${entry.name}: file data overflows the file bounds`);
  return start;
}

/** Where the data of the local file header at `at` starts (after its name and extra field). */
export function localDataStart(zip: Buffer, at: number): number {
  return at + LOCAL_HEADER + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
}
