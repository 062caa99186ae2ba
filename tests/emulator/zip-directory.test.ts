/**
 * The flat central-directory reader the code verification uses (emulator/zip/reader.ts): it lists exactly
 * what yauzl lists — for our own zips, their zip64 form and Info-ZIP's (extra fields) — and refuses malformed
 * or hostile directories with a `ZipError` instead of reading out of bounds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yauzl from "yauzl";
import { ZipError } from "../../emulator/zip/error";
import { dataStart, readCentralDirectory } from "../../emulator/zip/reader";
import { verifyZip } from "../../emulator/zip/verify";
import { packageSource } from "../../provider/package";
import { ZIP64_THRESHOLDS } from "../../provider/package/zip-format";
import { writeStoredZip } from "../../provider/api/stored-zip";

function yauzlList(zip: Buffer): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const out: Array<Record<string, unknown>> = [];
      file.on("entry", (e: yauzl.Entry) => {
        out.push({ name: e.fileName, method: e.compressionMethod, crc32: e.crc32, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize });
        file.readEntry();
      });
      file.on("end", () => resolve(out));
      file.on("error", reject);
      file.readEntry();
    });
  });
}

/** Agrees with yauzl; `utf8Names`: the zip flags its names UTF-8 (else yauzl reads them as CP437, we as UTF-8). */
async function assertAgrees(zip: Buffer, what: string, names: string[], utf8Names = true): Promise<void> {
  const ours = readCentralDirectory(zip).entries.map((e) => ({
    name: e.name, method: e.method, crc32: e.crc32, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize,
  }));
  const theirs = await yauzlList(zip);
  if (!utf8Names) for (const [i, e] of theirs.entries()) e.name = ours[i]?.name;
  assert.deepEqual(ours, theirs, what);
  assert.deepEqual(ours.map((e) => e.name).filter((n) => !n.endsWith("/")).sort(), [...names].sort(), `${what}: names`);
  assert.equal(await verifyZip(zip), ours.length, `${what}: verifies`);
}

test("lists what yauzl lists: our zips, their zip64 form, Info-ZIP's", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-zipdir-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const src = path.join(root, "src");
  fs.mkdirSync(path.join(src, "lib", "é"), { recursive: true });
  fs.writeFileSync(path.join(src, "index.js"), "exports.handler = async () => 1;\n".repeat(300));
  fs.writeFileSync(path.join(src, "lib", "é", "😀.txt"), "astral\n");
  fs.writeFileSync(path.join(src, "lib", "empty"), "");
  const names = ["index.js", "lib/é/😀.txt", "lib/empty"];
  const classic = await packageSource(src);
  await assertAgrees(classic.zip, "classic", names);
  ZIP64_THRESHOLDS.entries = 2;
  try {
    await assertAgrees((await packageSource(src)).zip, "zip64 end records", names);
  } finally {
    ZIP64_THRESHOLDS.entries = 0xffff;
  }
  const infoZip = path.join(root, "info.zip");
  execFileSync("zip", ["-r", "-q", infoZip, "."], { cwd: src }); // extended-timestamp and unix extra fields, no UTF-8 flag
  await assertAgrees(fs.readFileSync(infoZip), "Info-ZIP", names, false);
});

test("refuses malformed and hostile directories with a ZipError", () => {
  const good = writeStoredZip([{ name: "aa/evil.js", data: Buffer.from("x".repeat(100)) }, { name: "b.js", data: Buffer.from("b") }]);
  const central = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), good.lastIndexOf(Buffer.from("b.js")));
  const firstCentral = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const mutate = (f: (z: Buffer) => void): Buffer => {
    const z = Buffer.from(good);
    f(z);
    return z;
  };
  const cases: Record<string, [Buffer, RegExp]> = {
    "no end record": [good.subarray(0, good.length - 10), /end of central directory/],
    "a path with ..": [mutate((z) => { for (const at of [z.indexOf("aa/evil"), z.lastIndexOf("aa/evil")]) z.write("..", at); }), /invalid relative path/],
    "an absolute path": [mutate((z) => { for (const at of [z.indexOf("aa/evil"), z.lastIndexOf("aa/evil")]) z.write("/a", at); }), /absolute path/],
    "an encrypted entry": [mutate((z) => z.writeUInt16LE(1, firstCentral + 8)), /encrypted/],
    "a broken central signature": [mutate((z) => z.writeUInt32LE(0, central)), /central directory file header signature/],
    "data past the central directory": [mutate((z) => { z.writeUInt32LE(10_000, firstCentral + 20); z.writeUInt32LE(10_000, firstCentral + 24); }), /overflows/],
    "a local header offset past the end": [mutate((z) => z.writeUInt32LE(good.length + 5, firstCentral + 42)), /local file header/],
    "more entries than the directory holds": [mutate((z) => { z.writeUInt16LE(5000, z.length - 22 + 8); z.writeUInt16LE(5000, z.length - 22 + 10); }), /cannot hold 5000 entries/],
  };
  for (const [what, [zip, message]] of Object.entries(cases)) {
    assert.throws(() => {
      const { entries, offset } = readCentralDirectory(zip);
      for (const e of entries) dataStart(zip, e, offset); // local headers are checked when the data is located
    }, (err: unknown) => err instanceof ZipError && err.code === "ZIP_INVALID" && message.test(err.message), what);
  }
});
