/**
 * The last package's bodies behind `packageSource({ hashCache })` (provider/package/body-cache.ts): a package
 * built with them is byte-for-byte the one built without, after any kind of edit; unchanged files are neither
 * read nor deflated again; a damaged, foreign or other-level cache is a miss, never a wrong zip.
 */
import { after, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packageSource, type PackagingOptions } from "../../provider/package";
import { readZip } from "./helpers";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-body-cache-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const anHourAgo = new Date(Date.now() - 3600_000);

/** Writes `files` under `dir` with old mtimes (not racy, so the digest cache keeps them). */
function write(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    fs.utimesSync(p, anHourAgo, anHourAgo);
  }
}

function source(name: string): string {
  const dir = path.join(tmp, name);
  write(dir, {
    "index.js": "exports.handler = async () => 'hello';\n".repeat(20),
    "lib/util.js": "module.exports = { add: (a, b) => a + b };\n".repeat(40),
    "lib/copy.js": "module.exports = { add: (a, b) => a + b };\n".repeat(40), // same content as util.js
    "data/random.bin": crypto.randomBytes(300_000), // stored (the incompressibility probe)
    "data/big.txt": "a line of text that compresses well\n".repeat(40_000), // over 1 MiB: its own read buffer
    "empty.txt": "",
    "one.txt": "x",
  });
  fs.chmodSync(path.join(dir, "index.js"), 0o755);
  return dir;
}

/** Packages `dir` with the caches in `cacheDir` and without any; asserts both zips are the same bytes. */
async function both(dir: string, cacheDir: string, options: PackagingOptions = {}) {
  const cached = await packageSource(dir, { ...options, hashCache: cacheDir });
  const plain = await packageSource(dir, options);
  assert.equal(cached.zipSha512, plain.zipSha512, "the same zip with and without the caches");
  assert.equal(cached.sourceSha512, plain.sourceSha512);
  return cached;
}

describe("packageSource with the last package's bodies", () => {
  it("reuses every unchanged body and still builds the same zip, through edits, additions, deletions, renames and modes", async () => {
    const dir = source("edits");
    const cacheDir = path.join(tmp, "cache-edits");
    assert.equal((await both(dir, cacheDir)).reusedBodies, 0, "nothing to reuse on the first package");
    const files = (await both(dir, cacheDir));
    assert.equal(files.reusedBodies, files.files.length, "every body reused when nothing changed");

    write(dir, { "lib/util.js": "module.exports = { add: (a, b) => b + a };\n".repeat(40), "lib/new.js": "exports.n = 1;\n" });
    fs.rmSync(path.join(dir, "one.txt"));
    fs.renameSync(path.join(dir, "lib/copy.js"), path.join(dir, "lib/moved.js"));
    fs.chmodSync(path.join(dir, "empty.txt"), 0o755);
    const edited = await both(dir, cacheDir);
    // Reused: index.js, data/random.bin and data/big.txt. Not: the edited and the new file, the moved one (its
    // digest is recorded under its old path), nor empty.txt (chmod changed its ctime, so its stamp): all read.
    assert.equal(edited.reusedBodies, 3);
    const entries = await readZip(await packageSource(dir, { hashCache: cacheDir }).then((p) => p.zip));
    assert.deepEqual(entries.map((e) => e.name).sort(), ["data/big.txt", "data/random.bin", "empty.txt", "index.js", "lib/moved.js", "lib/new.js", "lib/util.js"]);
  });

  it("is a miss when the cached zip is damaged or its index is not this directory's", async () => {
    const dir = source("damaged");
    const cacheDir = path.join(tmp, "cache-damaged");
    await both(dir, cacheDir);
    const [zipFile] = fs.readdirSync(cacheDir).filter((n) => n.endsWith(".bodies.zip")).map((n) => path.join(cacheDir, n));
    const indexFile = zipFile.replace(/\.zip$/, ".json");
    const good = fs.readFileSync(zipFile);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)] ^= 1;
    fs.writeFileSync(zipFile, flipped);
    assert.equal((await both(dir, cacheDir)).reusedBodies, 0, "a flipped byte: the zip's SHA-256 no longer matches");
    // That package was recorded again; now point the index at another directory.
    const index = JSON.parse(fs.readFileSync(indexFile, "utf8")) as { root: string };
    fs.writeFileSync(indexFile, JSON.stringify({ ...index, root: "/elsewhere" }));
    assert.equal((await both(dir, cacheDir)).reusedBodies, 0, "another directory's index");
    fs.writeFileSync(indexFile, "{ truncated");
    assert.equal((await both(dir, cacheDir)).reusedBodies, 0, "an unreadable index");
    const again = await both(dir, cacheDir);
    assert.equal(again.reusedBodies, again.files.length, "recorded again, then reused");
  });

  it("is a miss at another compression level, and each level's zip is still its own", async () => {
    const dir = source("levels");
    const cacheDir = path.join(tmp, "cache-levels");
    await both(dir, cacheDir, { compressionLevel: 6 });
    await both(dir, cacheDir, { compressionLevel: 6 });
    assert.equal((await both(dir, cacheDir, { compressionLevel: 9 })).reusedBodies, 0);
    assert.equal((await both(dir, cacheDir, { compressionLevel: 1 })).reusedBodies, 0);
  });

  it("writes nothing without hashCache", async () => {
    const dir = source("none");
    const before = fs.readdirSync(tmp).length;
    const p = await packageSource(dir);
    assert.equal(p.reusedBodies, 0);
    assert.equal(fs.readdirSync(tmp).length, before);
  });
});
