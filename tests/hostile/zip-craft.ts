/**
 * Hand-built zips for hostile tests: entries whose central directory declares whatever size the test wants
 * (honest or lying), deflate streams of zeros built from a repeated flushed block (a few KB per GiB, built
 * without ever holding the GiB), and zip64 end records for entry counts past 65,535.
 */
import * as zlib from "node:zlib";

/** One entry as written: the stored bytes and what the headers declare. */
export interface CraftEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  /** The bytes stored in the archive (compressed data for method 8). */
  body: Buffer;
  crc32: number;
  /** Uncompressed size written in both headers. */
  declaredSize: number;
}

const MIB = 1024 * 1024;

/** A raw deflate stream inflating to `mib` MiB of zeros, and the CRC-32 of that content. */
export function zerosDeflate(mib: number): { body: Buffer; crc32: number } {
  const zeros = Buffer.alloc(MIB);
  // A full flush ends the block byte-aligned with no back-references across it, so the block repeats freely.
  const block = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const parts: Buffer[] = [];
  let crc = 0;
  for (let i = 0; i < mib; i++) {
    parts.push(block);
    crc = zlib.crc32(zeros, crc);
  }
  parts.push(Buffer.from([0x03, 0x00])); // final, empty fixed-Huffman block
  return { body: Buffer.concat(parts), crc32: crc };
}

/** A deflated entry of `mib` MiB of zeros declaring `declaredSize` (default: the truth). */
export function zerosEntry(name: string, mib: number, declaredSize = mib * MIB): CraftEntry {
  const { body, crc32 } = zerosDeflate(mib);
  return { name, method: 8, body, crc32, declaredSize };
}

/** A stored entry holding `data` honestly. */
export function storedEntry(name: string, data: Buffer | string): CraftEntry {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { name, method: 0, body, crc32: zlib.crc32(body), declaredSize: body.length };
}

/** A deflated entry holding `data` honestly. */
export function deflatedEntry(name: string, data: Buffer | string): CraftEntry {
  const raw = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { name, method: 8, body: zlib.deflateRawSync(raw), crc32: zlib.crc32(raw), declaredSize: raw.length };
}

/** An entry that declares `declaredSize` bytes over `compressedBytes` of junk (never inflatable: for checks made before inflating). */
export function declaredOnlyEntry(name: string, declaredSize: number, compressedBytes: number): CraftEntry {
  return { name, method: 8, body: Buffer.alloc(compressedBytes, 0x5a), crc32: 0, declaredSize };
}

/** Writes the archive: local headers and bodies, central directory, (zip64 end records when needed), end record. */
export function craftZip(entries: CraftEntry[], opts: { forceEntryCount?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(e.crc32 >>> 0, 14);
    local.writeUInt32LE(e.body.length, 18);
    local.writeUInt32LE(Math.min(e.declaredSize, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt16LE(0, 12);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(e.crc32 >>> 0, 16);
    cd.writeUInt32LE(e.body.length, 20);
    cd.writeUInt32LE(Math.min(e.declaredSize, 0xffffffff), 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    parts.push(local, name, e.body);
    offset += 30 + name.length + e.body.length;
  }
  const cdBytes = Buffer.concat(central);
  const count = opts.forceEntryCount ?? entries.length;
  const tail: Buffer[] = [];
  if (count > 0xffff) {
    const z64 = Buffer.alloc(56);
    z64.writeUInt32LE(0x06064b50, 0);
    z64.writeBigUInt64LE(44n, 4);
    z64.writeUInt16LE(45, 12);
    z64.writeUInt16LE(45, 14);
    z64.writeBigUInt64LE(BigInt(count), 24);
    z64.writeBigUInt64LE(BigInt(count), 32);
    z64.writeBigUInt64LE(BigInt(cdBytes.length), 40);
    z64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cdBytes.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(z64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBytes, ...tail, end]);
}
