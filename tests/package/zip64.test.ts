/**
 * ZIP64 end records: written only from 65,535 entries on (ordinary zips keep the classic 22-byte end record,
 * byte for byte), and read back by yauzl, python3 zipfile and Info-ZIP unzip. The format is tested in memory
 * at the real thresholds and through packageSource with the threshold lowered; the real 65,536-file tree
 * (~50 s on the 2-core machine, mostly file creation) runs only with FGS_SLOW_TESTS=1.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { hashSource, packageSource } from "../../provider/package";
import {
  centralHeader, END_RECORD_SIZE, endOfCentralDirectory, localHeader, needsZip64, ZIP64_END_RECORDS_SIZE, ZIP64_THRESHOLDS, type ZipEntry,
} from "../../provider/package/zip-format";
import { cleanup, pythonListing, readersMissing, readZip, tempDir, unzipTest, writeTree } from "./helpers";

const ZIP64_END = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
const ZIP64_LOCATOR = Buffer.from([0x50, 0x4b, 0x06, 0x07]);

/** A stored zip of `count` one-byte entries built with the per-record API (no file system). */
function syntheticZip(count: number): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const data = Buffer.from([i & 0xff]);
    const entry: ZipEntry = { name: Buffer.from(`f/${i}`), method: 0, crc32: crc32(data), compressedSize: 1, uncompressedSize: 1, mode: 0o644, offset };
    const local = localHeader(entry);
    parts.push(local, data);
    centrals.push(centralHeader(entry));
    offset += local.length + 1;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  return Buffer.concat([...parts, ...centrals, endOfCentralDirectory(count, centralSize, offset)]);
}

/** unzip -t, python3 zipfile (CRCs, names in order) and yauzl (bytes of every entry) all accept `zip`. */
async function assertReadersAgree(zip: Buffer, zipPath: string, names: string[], contentOf: (i: number) => Buffer): Promise<void> {
  fs.writeFileSync(zipPath, zip);
  const unzip = unzipTest(zipPath);
  assert.equal(unzip.status, 0, `unzip -t: ${unzip.output}`);
  const py = pythonListing(zipPath, false);
  assert.equal(py.bad, null, "python3 testzip");
  assert.deepEqual(py.entries.map((e) => e.name), names, "python3: every name, in order");
  const entries = await readZip(zip);
  assert.deepEqual(entries.map((e) => e.name), names, "yauzl: every name, in order");
  entries.forEach((e, i) => assert.ok(e.data.equals(contentOf(i)), `yauzl: content of ${e.name}`));
}

test("needsZip64 is exactly: count >= 0xFFFF, or central directory size/offset >= 0xFFFFFFFF; fields saturate", () => {
  assert.equal(needsZip64(0xfffe, 0xfffffffe, 0xfffffffe), false);
  assert.equal(needsZip64(0xffff, 0, 0), true);
  assert.equal(needsZip64(1, 0xffffffff, 0), true);
  assert.equal(needsZip64(1, 0, 0xffffffff), true);
  assert.equal(endOfCentralDirectory(3, 100, 200).length, END_RECORD_SIZE);
  const big = endOfCentralDirectory(2, 92, 0x1_0000_0010);
  assert.equal(big.length, END_RECORD_SIZE + ZIP64_END_RECORDS_SIZE);
  assert.equal(big.readBigUInt64LE(32), 2n, "zip64 record: total entries");
  assert.equal(big.readBigUInt64LE(48), 0x1_0000_0010n, "zip64 record: central directory offset");
  assert.equal(big.readBigUInt64LE(56 + 8), 0x1_0000_0010n + 92n, "locator: absolute offset of the zip64 record");
  assert.equal(big.readUInt32LE(76 + 16), 0xffffffff, "classic record: offset field saturated");
  assert.equal(big.readUInt16LE(76 + 10), 2, "classic record: count still fits");
});

test("in memory: 65,534 entries stay classic; 65,535 get zip64 end records that every reader follows",
  { skip: readersMissing() }, async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const classic = syntheticZip(0xfffe);
    assert.ok(!classic.includes(ZIP64_END) && !classic.includes(ZIP64_LOCATOR), "no zip64 records below the threshold");
    assert.equal(classic.readUInt32LE(classic.length - END_RECORD_SIZE), 0x06054b50, "ends with the 22-byte classic record");
    const count = 0xffff;
    const zip = syntheticZip(count);
    assert.equal(zip.readUInt32LE(zip.length - END_RECORD_SIZE - ZIP64_END_RECORDS_SIZE), 0x06064b50, "zip64 record right after the central directory");
    assert.equal(zip.readUInt16LE(zip.length - END_RECORD_SIZE + 10), 0xffff, "classic count field saturated");
    const names = Array.from({ length: count }, (_, i) => `f/${i}`);
    await assertReadersAgree(zip, path.join(root, "z.zip"), names, (i) => Buffer.from([i & 0xff]));
  });

test("packageSource with the zip64 threshold lowered to 3: same entries and sourceSha512, 76 more bytes, readers agree",
  { skip: readersMissing() }, async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), {
      "a.js": "a\n".repeat(100), "b/é.txt": "utf-8\n", "c/😀.txt": "astral\n", run: { content: "#!/bin/sh\n", mode: 0o755 },
    });
    const classic = await packageSource(dir);
    ZIP64_THRESHOLDS.entries = 3;
    let zip64;
    try {
      zip64 = await packageSource(dir);
      assert.ok((await packageSource(dir)).zip.equals(zip64.zip), "deterministic");
    } finally {
      ZIP64_THRESHOLDS.entries = 0xffff;
    }
    assert.ok(!classic.zip.includes(ZIP64_END), "an ordinary zip has no zip64 record");
    assert.equal(zip64.size, classic.size + ZIP64_END_RECORDS_SIZE);
    const cut = classic.size - END_RECORD_SIZE;
    assert.ok(zip64.zip.subarray(0, cut).equals(classic.zip.subarray(0, cut)), "entries and central directory unchanged");
    assert.equal(zip64.sourceSha512, classic.sourceSha512);
    const names = classic.files.map((f) => f.path);
    await assertReadersAgree(zip64.zip, path.join(root, "z.zip"), names, (i) => fs.readFileSync(path.join(dir, names[i])));
    const modes = (await readZip(zip64.zip)).map((e) => e.mode);
    assert.deepEqual(modes, classic.files.map((f) => f.mode), "exec bits survive");
  });

test("a real tree of 65,536 files packages (zip64) instead of TOO_LARGE; unzip, python3 and yauzl read it all",
  { skip: process.env.FGS_SLOW_TESTS === "1" ? readersMissing() : "slow (~50 s, mostly creating 65k files): set FGS_SLOW_TESTS=1" }, async (t) => {
    const COUNT = 65_536;
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = path.join(root, "src");
    for (let d = 0; d * 1024 < COUNT; d++) {
      const sub = path.join(dir, `d${String(d).padStart(2, "0")}`);
      fs.mkdirSync(sub, { recursive: true });
      for (let i = d * 1024; i < Math.min(COUNT, (d + 1) * 1024); i++) fs.writeFileSync(path.join(sub, `${i}.js`), `module.exports=${i};\n`);
    }
    const packaged = await packageSource(dir);
    assert.equal(packaged.files.length, COUNT);
    assert.ok(packaged.zip.includes(ZIP64_END) && packaged.zip.includes(ZIP64_LOCATOR), "zip64 end records written");
    assert.equal(packaged.sourceSha512, (await hashSource(dir)).sourceSha512, "diff key unchanged by the zip format");
    const names = packaged.files.map((f) => f.path);
    await assertReadersAgree(packaged.zip, path.join(root, "out.zip"), names, (i) => fs.readFileSync(path.join(dir, names[i])));
  });
