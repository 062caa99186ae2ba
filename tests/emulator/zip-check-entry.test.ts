/**
 * `checkEntry` (emulator/zip/reader.ts), the verification's inflate with one reused zlib context per thread:
 * it accepts exactly what `inflateEntry` accepts and refuses the rest with a `ZIP_INVALID` naming the entry —
 * and after a refusal (zlib destroys its stream) the next entry is still checked correctly.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { crc32, deflateRawSync } from "node:zlib";
import { ZipError } from "../../emulator/zip/error";
import { checkEntry, inflateEntry, type EntryFields } from "../../emulator/zip/reader";

function deflated(name: string, content: Buffer): { entry: EntryFields; data: Buffer } {
  const data = deflateRawSync(content);
  return { entry: { name, method: 8, crc32: crc32(content), compressedSize: data.length, uncompressedSize: content.length }, data };
}

/** Asserts that both checks refuse `data` for `entry` with a `ZIP_INVALID` whose message matches `message`. */
function refusedByBoth(entry: EntryFields, data: Buffer, message: RegExp): void {
  const refused = (e: unknown) => e instanceof ZipError && e.code === "ZIP_INVALID" && message.test(e.message);
  assert.throws(() => checkEntry(entry, data), refused, "checkEntry");
  assert.throws(() => inflateEntry(entry, data), refused, "inflateEntry");
}

describe("checkEntry", () => {
  const text = deflated("lib/a.js", Buffer.from("module.exports = 42;\n".repeat(2000)));
  const big = deflated("lib/big.bin", Buffer.concat([randomBytes(3 * 1024 * 1024), Buffer.alloc(3 * 1024 * 1024, 7)])); // past the kept buffer
  const stored: EntryFields = { name: "s.txt", method: 0, crc32: crc32(Buffer.from("stored")), compressedSize: 6, uncompressedSize: 6 };

  it("accepts valid entries, small, larger than its kept buffer, and stored, many in a row", () => {
    for (let i = 0; i < 50; i++) checkEntry(text.entry, text.data);
    checkEntry(big.entry, big.data);
    checkEntry(stored, Buffer.from("stored"));
    checkEntry(text.entry, text.data);
  });

  it("refuses what inflateEntry refuses, naming the entry, and keeps working after each refusal", () => {
    const cases: Array<[EntryFields, Buffer, RegExp]> = [
      [{ ...text.entry, crc32: (text.entry.crc32 + 1) >>> 0 }, text.data, /^lib\/a\.js: CRC-32 mismatch$/],
      [{ ...text.entry, uncompressedSize: 100 }, text.data, /^lib\/a\.js: invalid deflate data \(Cannot create a Buffer larger than 101 bytes\)$/],
      [{ ...text.entry, uncompressedSize: text.entry.uncompressedSize + 5 }, text.data, /^lib\/a\.js: 42000 bytes of data, the central directory says 42005$/],
      [text.entry, text.data.subarray(0, 20), /^lib\/a\.js: invalid deflate data \(unexpected end of file\)$/],
      [text.entry, Buffer.from("this is not deflate data at all"), /^lib\/a\.js: invalid deflate data \(/],
      [{ ...text.entry, method: 12 }, text.data, /^lib\/a\.js: unsupported compression method 12$/],
      [{ ...stored, crc32: 1 }, Buffer.from("stored"), /^s\.txt: CRC-32 mismatch$/],
    ];
    for (const [entry, data, message] of cases) {
      refusedByBoth(entry, data, message);
      checkEntry(text.entry, text.data); // the context made again after zlib destroyed it
      checkEntry(big.entry, big.data);
    }
  });
});
