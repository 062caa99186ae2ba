/**
 * zip-format's two APIs (per-record buffers, used by provider/api/stored-zip.ts, and write-in-place, used by
 * packageSource) produce the same bytes.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { packageSource } from "../../provider/package";
import { centralHeader, endOfCentralDirectory, localHeader, type ZipEntry } from "../../provider/package/zip-format";
import { cleanup, tempDir, writeTree } from "./helpers";

test("per-record header buffers equal what packageSource writes in place (stored entries, level 0)", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "a.txt": "alpha", "b/é.txt": "beta", run: { content: "#!/bin/sh\n", mode: 0o755 } });
  const packaged = await packageSource(dir, { compressionLevel: 0 });
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of packaged.files) {
    const data = fs.readFileSync(path.join(dir, f.path));
    const entry: ZipEntry = { name: Buffer.from(f.path), method: 0, crc32: crc32(data), compressedSize: data.length, uncompressedSize: data.length, mode: f.mode, offset };
    const local = localHeader(entry);
    parts.push(local, data);
    centrals.push(centralHeader(entry));
    offset += local.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const manual = Buffer.concat([...parts, ...centrals, endOfCentralDirectory(centrals.length, centralSize, offset)]);
  assert.ok(manual.equals(packaged.zip), "the two writers disagree");
});
