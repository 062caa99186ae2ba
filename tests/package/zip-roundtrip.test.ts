/**
 * The zip is standard and round-trips: yauzl in-process, python3 zipfile and Info-ZIP unzip (when installed)
 * read it back with the same bytes and exec bits, constant metadata, UTF-8 names flagged, no directories.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { packageSource } from "../../provider/package";
import { cleanup, hasCommand, readZip, tempDir, writeTree, type FixtureEntry } from "./helpers";

/** Incompressible bytes (deflate would grow them), so the entry must be stored. */
const big = randomBytes(300_000);
const TREE: Record<string, FixtureEntry> = {
  "index.js": "exports.handler = 1;\n",
  bootstrap: { content: "#!/bin/sh\necho hi\n", mode: 0o755 },
  "empty.txt": "",
  "a/b/c/d/nested.txt": "nested\n".repeat(100),
  "données/été.txt": "utf-8 name\n",
  "日本語.txt": "名前\n",
  "x-😀.txt": "astral\n",
  // U+E000 sorts AFTER an astral character in UTF-16 code-unit order but BEFORE it in UTF-8 byte order.
  "x-\uE000.txt": "byte order\n",
  "random.bin": big,
  "empty-dir": { dir: true },
  "only/empty/dirs": { dir: true },
};

function byteOrder(names: string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function fixture(t: { after(fn: () => void): void }): Promise<{ dir: string; zipPath: string; zip: Buffer }> {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), TREE);
  const result = await packageSource(dir);
  const zipPath = path.join(root, "out.zip");
  fs.writeFileSync(zipPath, result.zip);
  return { dir, zipPath, zip: result.zip };
}

const expectedFiles = Object.entries(TREE).filter(([, e]) => !(typeof e === "object" && !Buffer.isBuffer(e) && "dir" in e));

test("yauzl reads every file back with the same bytes, modes and constant metadata", async (t) => {
  const { zip, dir } = await fixture(t);
  const entries = await readZip(zip);
  assert.deepEqual(entries.map((e) => e.name), byteOrder(expectedFiles.map(([n]) => n)), "sorted by UTF-8 bytes, no directory entries");
  const names = entries.map((e) => e.name);
  assert.ok(names.indexOf("x-\uE000.txt") < names.indexOf("x-😀.txt"), "UTF-8 byte order, not UTF-16 order");
  for (const e of entries) {
    assert.ok(e.data.equals(fs.readFileSync(path.join(dir, e.name))), `content of ${e.name}`);
    assert.equal(e.mode, e.name === "bootstrap" ? 0o755 : 0o644, `mode of ${e.name}`);
    assert.equal(e.versionMadeBy >> 8, 3, "made by Unix");
    assert.equal(e.dosDate, (0 << 9) | (1 << 5) | 1, "1980-01-01");
    assert.equal(e.dosTime, 0);
    assert.equal(e.extraFieldCount, 0, "no extra fields");
    assert.equal(Boolean(e.flags & 0x800), /[^\x00-\x7f]/.test(e.name), `UTF-8 flag of ${e.name}`);
    assert.equal(e.flags & 0x8, 0, "no data descriptor");
    assert.ok(!e.name.startsWith("/") && !e.name.split("/").includes(".."));
  }
  assert.equal(entries.find((e) => e.name === "random.bin")?.method, 0, "incompressible entry stored");
  assert.equal(entries.find((e) => e.name === "empty.txt")?.method, 0, "empty entry stored");
  assert.equal(entries.find((e) => e.name === "a/b/c/d/nested.txt")?.method, 8, "compressible entry deflated");
});

test("python3 zipfile reads the same names, bytes and modes", { skip: hasCommand("python3") ? false : "python3 not installed" }, async (t) => {
  const { zipPath, dir } = await fixture(t);
  const py = [
    "import zipfile, hashlib, json, sys",
    "z = zipfile.ZipFile(sys.argv[1])",
    "assert z.testzip() is None",
    "print(json.dumps([[i.filename, (i.external_attr >> 16) & 0o7777, hashlib.sha512(z.read(i)).hexdigest(), i.date_time[:3]] for i in z.infolist()]))",
  ].join("\n");
  const rows = JSON.parse(execFileSync("python3", ["-c", py, zipPath]).toString()) as [string, number, string, number[]][];
  assert.equal(rows.length, expectedFiles.length);
  for (const [name, mode, sha, date] of rows) {
    assert.equal(sha, createHash("sha512").update(fs.readFileSync(path.join(dir, name))).digest("hex"), name);
    assert.equal(mode, name === "bootstrap" ? 0o755 : 0o644);
    assert.deepEqual(date, [1980, 1, 1]);
  }
});

test("Info-ZIP unzip tests and extracts it with the same bytes and exec bits", { skip: hasCommand("unzip", ["-v"]) ? false : "unzip not installed" }, async (t) => {
  const { zipPath, dir } = await fixture(t);
  execFileSync("unzip", ["-tq", zipPath]);
  const out = path.join(path.dirname(zipPath), "extracted");
  execFileSync("unzip", ["-q", zipPath, "-d", out], { env: { ...process.env, LC_ALL: "C.UTF-8" } });
  for (const [name] of expectedFiles) {
    const extracted = path.join(out, name);
    assert.ok(fs.readFileSync(extracted).equals(fs.readFileSync(path.join(dir, name))), name);
    assert.equal((fs.statSync(extracted).mode & 0o111) !== 0, name === "bootstrap", `exec bit of ${name}`);
  }
  assert.ok(!fs.existsSync(path.join(out, "empty-dir")), "an empty directory contributes nothing");
});

test("files list matches the archive order and reports sizes, modes and digests", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), TREE);
  const r = await packageSource(dir);
  const entries = await readZip(r.zip);
  assert.equal(r.size, r.zip.length);
  assert.equal(r.zipSha512, createHash("sha512").update(r.zip).digest("hex"));
  assert.deepEqual(r.files.map((f) => f.path), entries.map((e) => e.name));
  for (const [i, f] of r.files.entries()) {
    assert.equal(f.size, entries[i].data.length);
    assert.equal(f.mode, entries[i].mode);
    assert.equal(f.sha512, createHash("sha512").update(entries[i].data).digest("hex"));
  }
});
