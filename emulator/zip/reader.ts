/**
 * The emulator's one zip reader, for every zip it reads (code uploads, import packages, OBS objects, dependencies,
 * admin uploads, the runtime's unpacking): the central directory of a zip held in memory — every entry's name,
 * method, flags, declared CRC-32 and sizes, attributes and where its data starts, with every offset and length
 * checked against the buffer — and an entry's content, inflated and checked (size and CRC-32). Zip64 end records
 * and per-entry zip64 extra fields are understood; multi-disk archives are not. Anything malformed is a
 * `ZipError` `ZIP_INVALID`, over a limit `ZIP_LIMIT` (limits.ts), checked on the declared sizes before anything is
 * inflated.
 *
 * Hand-written rather than on yauzl (which the emulator used for imports and the runtime until issue 23) because
 * the measurement demanded it (bench/zip-reader.ts and the upload path, side by side, on the shared 2 cores at
 * load 6-16). On this project's node_modules packaged (17,797 entries, 32 MB), one thread: verifying every entry
 * 1.1 s vs 13.3 s through yauzl (its callbacks, `Entry` objects, one read per local header and its streams' many
 * small async zlib calls), listing and keeping one entry 0.05 s vs 3.2 s, unpacking 4.7 s vs 29 s; through the
 * real upload path (`PUT …/code`, the emulator in its own process) a first upload 5.5-6.2 s vs 9.2-11.9 s, a
 * re-upload 2.3-3.3 s vs 5.1-8.3 s. On a 33 MB zip of six large files yauzl verifies faster in one thread (0.21 s
 * vs 0.48 s: its inflate runs on the thread pool) but through the upload path the two were within the noise
 * (3.6-4.9 s vs 2.9-3.5 s); listing 0.06 s vs 0.22 s, unpacking 0.5 s vs 1.0 s. yauzl's checks that matter are
 * kept: signatures, bounds, stored sizes, encrypted entries, absolute or `..` names (with its messages).
 */
import { constants as zlibConstants, crc32, createInflateRaw, inflateRawSync, type InflateRaw } from "node:zlib";
import { invalidZip as fail, ZipError } from "./error";
import { checkDeclaredEntries, checkEntryCount, DEFAULT_ARCHIVE_LIMITS, overLimit, type ArchiveLimits } from "./limits";

/** One central directory entry, as declared. */
export interface DirectoryEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** External file attributes: a Unix mode in the upper 16 bits (file type, permission bits). */
  attributes: number;
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
      attributes: zip.readUInt32LE(at + 38),
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

/** What inflating an entry's data depends on, and the name for messages. */
export type EntryFields = Pick<DirectoryEntry, "name" | "method" | "crc32" | "compressedSize" | "uncompressedSize">;

/** Entries declaring more than this are inflated as a stream (bounded memory), not into one buffer. */
export const WHOLE_ENTRY_MAX = 64 * 1024 * 1024;

/**
 * The content of one entry whose data is `data` (stored, or inflated with one synchronous call bounded by the
 * declared size), checked against its declared size and CRC-32. Throws `ZIP_INVALID`.
 */
export function inflateEntry(entry: EntryFields, data: Buffer): Buffer {
  let content: Buffer;
  if (entry.method === 0) {
    content = data;
  } else if (entry.method === 8) {
    try {
      // One byte of room past the declared size: a longer stream fails here instead of being inflated whole.
      // The output buffer sized to the whole entry: one inflate call instead of one per 16 KiB chunk.
      const room = entry.uncompressedSize + 1;
      content = inflateRawSync(data, { maxOutputLength: room, chunkSize: Math.max(64, Math.min(room, WHOLE_ENTRY_MAX)) });
    } catch (err) {
      return fail(`${entry.name}: invalid deflate data (${(err as Error).message})`);
    }
  } else {
    return fail(`${entry.name}: unsupported compression method ${entry.method}`);
  }
  if (content.length !== entry.uncompressedSize) {
    fail(`${entry.name}: ${content.length} bytes of data, the central directory says ${entry.uncompressedSize}`);
  }
  if (crc32(content) >>> 0 !== entry.crc32 >>> 0) fail(`${entry.name}: CRC-32 mismatch`);
  return content;
}

/** What `checkEntry` uses of a zlib stream's native handle (Node's own `inflateRawSync` drives it the same way). */
interface SyncInflateHandle {
  reset(): void;
  writeSync(flush: number, input: Buffer, inOffset: number, inLength: number, output: Buffer, outOffset: number, outLength: number): void;
}

/**
 * One raw-inflate context for this thread, reset between entries. `inflateRawSync` builds a new zlib stream
 * (a Transform and a native context with its window) for every entry and closes it after: for a tree of
 * ~20,000 small files that cost about as much as the inflating itself. Node has no public synchronous API
 * for reusing a context, so this drives the stream's native handle the way `inflateRawSync` does internally
 * (`writeSync`, then the output space left and the input left in `_writeState`); where those are absent,
 * `checkEntry` uses `inflateRawSync`. After an error zlib's stream is destroyed: the next entry makes a new one.
 */
class EntryInflater {
  private stream?: InflateRaw & { _handle?: SyncInflateHandle; _writeState?: Uint32Array };
  /** Output space for entries up to `SCRATCH_MAX` (kept: the content is only checked, never handed out). */
  private scratch = Buffer.alloc(0);

  /** The inflated size of `data`, at most `room` bytes (`room` when there is more), inflated into `out`. */
  inflateInto(data: Buffer, out: Buffer, room: number): number | undefined {
    if (!this.stream || this.stream.destroyed) {
      this.stream = createInflateRaw() as NonNullable<EntryInflater["stream"]>;
      this.stream.on("error", () => undefined); // read synchronously from `errored`; never left unhandled
    }
    const stream = this.stream;
    const handle = stream._handle;
    const state = stream._writeState;
    if (!handle || typeof handle.writeSync !== "function" || !(state instanceof Uint32Array)) return undefined;
    handle.reset();
    handle.writeSync(zlibConstants.Z_FINISH, data, 0, data.length, out, 0, room);
    if (stream.errored) throw stream.errored;
    return room - state[0];
  }

  /** Output space of at least `size` bytes: the kept scratch buffer up to `SCRATCH_MAX`, else a new one. */
  output(size: number): Buffer {
    if (size > SCRATCH_MAX) return Buffer.allocUnsafe(size);
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(size, 2 * this.scratch.length, 64 * 1024)));
    return this.scratch;
  }
}

/** Largest entry inflated into the thread's kept output buffer. */
const SCRATCH_MAX = 4 * 1024 * 1024;
const inflater = new EntryInflater();

/**
 * Checks one entry whose data is `data` against its declared size and CRC-32, as `inflateEntry` does (the same
 * errors), without keeping the content: inflated with this thread's one reused zlib context into a kept
 * buffer. For verification, where ~20,000 entries are inflated in a row. Throws `ZIP_INVALID`.
 */
export function checkEntry(entry: EntryFields, data: Buffer): void {
  if (entry.method !== 8) return void inflateEntry(entry, data);
  const room = entry.uncompressedSize + 1;
  const out = inflater.output(room);
  let produced: number | undefined;
  try {
    produced = inflater.inflateInto(data, out, room);
  } catch (err) {
    fail(`${entry.name}: invalid deflate data (${(err as Error).message})`);
  }
  if (produced === undefined) return void inflateEntry(entry, data);
  // A stream longer than declared fills all the room: the same refusal `inflateEntry`'s output bound gives.
  if (produced >= room) fail(`${entry.name}: invalid deflate data (Cannot create a Buffer larger than ${room} bytes)`);
  if (produced !== entry.uncompressedSize) fail(`${entry.name}: ${produced} bytes of data, the central directory says ${entry.uncompressedSize}`);
  if (crc32(out.subarray(0, produced)) >>> 0 !== entry.crc32 >>> 0) fail(`${entry.name}: CRC-32 mismatch`);
}

/**
 * Inflates a big deflated entry chunk by chunk, handing each chunk to `onChunk` (awaited: a file write), with
 * the size and CRC-32 checked incrementally; never held whole. Rejects with `ZIP_INVALID`.
 */
export async function inflateLargeEntry(entry: EntryFields, data: Buffer, onChunk: (chunk: Buffer) => unknown = () => undefined): Promise<void> {
  let size = 0;
  let crc = 0;
  const inflate = createInflateRaw({ chunkSize: 1024 * 1024 });
  inflate.end(data);
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > entry.uncompressedSize) fail(`${entry.name}: inflates past the ${entry.uncompressedSize} bytes the central directory says`);
      crc = crc32(chunk, crc);
      await onChunk(chunk);
    }
  } catch (err) {
    inflate.destroy();
    if (err instanceof ZipError) throw err;
    fail(`${entry.name}: invalid deflate data (${(err as Error).message})`);
  }
  if (size !== entry.uncompressedSize) fail(`${entry.name}: ${size} bytes of data, the central directory says ${entry.uncompressedSize}`);
  if (crc >>> 0 !== entry.crc32 >>> 0) fail(`${entry.name}: CRC-32 mismatch`);
}

/** One entry: its name, uncompressed size, and its bytes when they were asked for. */
export interface ZipEntryInfo {
  name: string;
  size: number;
  isDirectory: boolean;
  data?: Buffer;
}

/** How a read is bounded. */
export interface ReadZipBounds {
  /** Archive limits (default `DEFAULT_ARCHIVE_LIMITS`). */
  limits?: ArchiveLimits;
  /** Largest entry whose bytes are kept in memory (default 64 MiB); a wanted entry declaring more is refused. */
  keepMaxBytes?: number;
}

/**
 * Lists every entry of `zip` and reads the entries whose names `wanted` accepts (inflated and checked; the others
 * are not inflated — `verifyZip` checks them all). Throws `ZIP_LIMIT` — before inflating anything — when the
 * archive breaks a bound or a wanted entry declares more than `keepMaxBytes`, `ZIP_INVALID` on any structural
 * problem.
 */
export async function readZip(zip: Buffer, wanted: (name: string) => boolean = () => false, bounds: ReadZipBounds = {}): Promise<ZipEntryInfo[]> {
  const limits = bounds.limits ?? DEFAULT_ARCHIVE_LIMITS;
  const keepMax = bounds.keepMaxBytes ?? WHOLE_ENTRY_MAX;
  const { entries, offset } = readCentralDirectory(zip, (n) => checkEntryCount(n, limits));
  checkDeclaredEntries(entries, zip.length, limits);
  const keep = entries.map((e) => !e.name.endsWith("/") && wanted(e.name));
  entries.forEach((e, i) => {
    if (keep[i] && e.uncompressedSize > keepMax) throw overLimit(`entry '${e.name}' is ${e.uncompressedSize} bytes, more than the ${keepMax} bytes allowed for it`);
  });
  return entries.map((e, i) => {
    const info: ZipEntryInfo = { name: e.name, size: e.uncompressedSize, isDirectory: e.name.endsWith("/") };
    if (keep[i]) {
      const start = dataStart(zip, e, offset);
      info.data = inflateEntry(e, zip.subarray(start, start + e.compressedSize));
    }
    return info;
  });
}
