/**
 * The last package's bodies behind `packageSource({ hashCache })` (provider/package/body-cache.ts): a package
 * built with them is byte-for-byte the one built without, after any kind of edit; unchanged files are read and
 * checked but not deflated again; every way the cache files can be wrong (rows swapped, bodies damaged,
 * truncated, foreign, another tree's, concurrent writers) costs deflating again and is reported, never a wrong
 * byte. (Deploying and invoking through such caches: tests/resource/cache-poisoning.test.ts.)
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

/** How many entries of a package are deflated (the ones the body cache keeps). */
async function deflated(zip: Buffer): Promise<number> {
  return (await readZip(zip)).filter((e) => e.method === 8).length;
}

/** The body cache's index and zip in `cacheDir`. */
function cacheFiles(cacheDir: string): { index: string; zip: string } {
  const [index] = fs.readdirSync(cacheDir).filter((n) => n.endsWith(".bodies.json")).map((n) => path.join(cacheDir, n));
  assert.ok(index, "the body cache was written");
  return { index, zip: index.replace(/\.json$/, ".bin") };
}

type Row = [path: string, size: number, crc32: number, offset: number, length: number];
const readIndex = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as { root: string; bodies: Row[] };
const rowOf = (rows: Row[], p: string): Row => rows.find((r) => r[0] === p)!;

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
    const first = await both(dir, cacheDir);
    assert.equal(first.reusedBodies, 0, "nothing to reuse on the first package");
    const again = await both(dir, cacheDir);
    assert.equal(again.reusedBodies, await deflated(again.zip), "every deflated body reused when nothing changed");
    assert.equal(again.cacheNotice, undefined);

    write(dir, { "lib/util.js": "module.exports = { add: (a, b) => b + a };\n".repeat(40), "lib/new.js": "exports.n = 1;\n".repeat(10) });
    fs.rmSync(path.join(dir, "one.txt"));
    fs.renameSync(path.join(dir, "lib/copy.js"), path.join(dir, "lib/moved.js"));
    fs.chmodSync(path.join(dir, "empty.txt"), 0o755);
    const edited = await both(dir, cacheDir);
    // Reused: index.js and data/big.txt. Not: the edited file, the new one, the moved one (bodies are kept by
    // path); the stored ones (random.bin, empty.txt) have no body to reuse.
    assert.equal(edited.reusedBodies, 2);
    assert.equal(edited.cacheNotice, undefined, "an edit is not a disagreement");
    const entries = await readZip(await packageSource(dir, { hashCache: cacheDir }).then((p) => p.zip));
    assert.deepEqual(entries.map((e) => e.name).sort(), ["data/big.txt", "data/random.bin", "empty.txt", "index.js", "lib/moved.js", "lib/new.js", "lib/util.js"]);
  });

  it("never uses a body that does not inflate to the file: offsets swapped, a byte flipped, the bodies file truncated", async () => {
    const dir = source("damaged");
    const cacheDir = path.join(tmp, "cache-damaged");
    await both(dir, cacheDir);
    const full = await both(dir, cacheDir);
    const all = full.reusedBodies;
    const { index, zip } = cacheFiles(cacheDir);

    // Two rows point at each other's bodies (their sizes and CRC-32s still the files'): neither is used.
    const idx = readIndex(index);
    const [a, b] = [rowOf(idx.bodies, "lib/util.js"), rowOf(idx.bodies, "index.js")];
    [a[3], a[4], b[3], b[4]] = [b[3], b[4], a[3], a[4]];
    fs.writeFileSync(index, JSON.stringify(idx));
    const swapped = await both(dir, cacheDir);
    assert.equal(swapped.reusedBodies, all - 2);
    assert.match(swapped.cacheNotice ?? "", /2 cached bodies do not inflate to the files they were recorded for; discarded/);
    const healed = await both(dir, cacheDir);
    assert.equal(healed.reusedBodies, all, "rewritten: every body good again");
    assert.equal(healed.cacheNotice, undefined);

    // Whole rows swapped between two paths: each claims the other file's size and CRC-32, so neither is even
    // tried (a miss, as after an edit), and the rows are rewritten.
    const idx2 = readIndex(index);
    const [c, d] = [rowOf(idx2.bodies, "lib/util.js"), rowOf(idx2.bodies, "data/big.txt")];
    [c[0], d[0]] = [d[0], c[0]];
    fs.writeFileSync(index, JSON.stringify(idx2));
    assert.equal((await both(dir, cacheDir)).reusedBodies, all - 2);
    assert.equal((await both(dir, cacheDir)).reusedBodies, all, "the rows were rewritten");

    // A flipped byte inside one body.
    const bigRow = rowOf(readIndex(index).bodies, "data/big.txt");
    const bytes = fs.readFileSync(zip);
    bytes[bigRow[3] + Math.floor(bigRow[4] / 2)] ^= 0x40;
    fs.writeFileSync(zip, bytes);
    const flipped = await both(dir, cacheDir);
    assert.equal(flipped.reusedBodies, all - 1);
    assert.match(flipped.cacheNotice ?? "", /1 cached body does not inflate to the file it was recorded for/);
    assert.equal((await both(dir, cacheDir)).reusedBodies, all);

    // The zip cut short (a crash mid-write, a full disk).
    fs.truncateSync(zip, Math.floor(fs.statSync(zip).size / 2));
    const cut = await both(dir, cacheDir);
    assert.equal(cut.reusedBodies, 0);
    assert.match(cut.cacheNotice ?? "", /its bodies file is \d+ bytes, not the \d+ its index records/);
    assert.equal((await both(dir, cacheDir)).reusedBodies, all);
  });

  it("discards an index that is truncated, not well formed, or another directory's, and one copied from another tree", async () => {
    const dir = source("foreign");
    const cacheDir = path.join(tmp, "cache-foreign");
    await both(dir, cacheDir);
    const all = (await both(dir, cacheDir)).reusedBodies;
    const { index } = cacheFiles(cacheDir);
    const good = fs.readFileSync(index, "utf8");

    fs.writeFileSync(index, good.slice(0, Math.floor(good.length / 2)));
    const truncated = await both(dir, cacheDir);
    assert.equal(truncated.reusedBodies, 0);
    assert.match(truncated.cacheNotice ?? "", /its index is not readable JSON/);

    fs.writeFileSync(index, JSON.stringify({ ...JSON.parse(good), root: "/elsewhere" }));
    const foreign = await both(dir, cacheDir);
    assert.equal(foreign.reusedBodies, 0);
    assert.match(foreign.cacheNotice ?? "", /another directory \(\/elsewhere\)/);

    fs.writeFileSync(index, JSON.stringify({ ...JSON.parse(good), bodies: [["index.js", "x", 1, 2, 3]] }));
    assert.match((await both(dir, cacheDir)).cacheNotice ?? "", /a row that is not well formed/);
    assert.equal((await both(dir, cacheDir)).reusedBodies, all, "rewritten, then reused");

    // Another tree's caches under this tree's name (a copied home directory, a reused CI cache): same paths,
    // different contents, and the copy's stamps made to look unchanged.
    const other = source("foreign-other");
    write(other, { "index.js": "exports.handler = async () => 'other';\n".repeat(20), "data/big.txt": "other text, compressible\n".repeat(60_000) });
    const otherCache = path.join(tmp, "cache-foreign-other");
    await both(other, otherCache);
    const stem = path.basename(index).replace(/\.bodies\.json$/, "");
    const otherStem = path.basename(cacheFiles(otherCache).index).replace(/\.bodies\.json$/, "");
    for (const suffix of [".bodies.bin", ".bodies.json", ".json"]) {
      let text = fs.readFileSync(path.join(otherCache, otherStem + suffix));
      if (suffix.endsWith(".json")) {
        const parsed = JSON.parse(text.toString("utf8"));
        parsed.root = fs.realpathSync(dir);
        if (parsed.entries) {
          // The other tree's digests under this tree's current stamps.
          for (const [rel, entry] of Object.entries(parsed.entries as Record<string, [string, string]>)) {
            const st = fs.statSync(path.join(dir, rel), { throwIfNoEntry: false });
            if (st) entry[0] = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
          }
        }
        text = Buffer.from(JSON.stringify(parsed));
      }
      fs.writeFileSync(path.join(cacheDir, stem + suffix), text);
    }
    const copied = await both(dir, cacheDir);
    assert.match(copied.cacheNotice ?? "", /recorded digests? (is|are) not the content/);
    assert.equal((await both(dir, cacheDir)).cacheNotice, undefined, "rewritten from this tree");
  });

  it("stays correct with concurrent writers of the same directory's caches", async () => {
    const dir = source("concurrent");
    const cacheDir = path.join(tmp, "cache-concurrent");
    for (let round = 0; round < 4; round++) {
      write(dir, { "lib/util.js": `module.exports = ${round};\n`.repeat(40 + round) });
      const plain = await packageSource(dir);
      const runs = await Promise.all(Array.from({ length: 4 }, () => packageSource(dir, { hashCache: cacheDir, workerThreads: 1 })));
      for (const r of runs) assert.equal(r.zipSha512, plain.zipSha512, `round ${round}: the same zip as without caches`);
    }
    const settled = await both(dir, cacheDir);
    assert.equal(settled.reusedBodies, await deflated(settled.zip));
  });

  it("is a miss at another compression level, and each level's zip is still its own", async () => {
    const dir = source("levels");
    const cacheDir = path.join(tmp, "cache-levels");
    await both(dir, cacheDir, { compressionLevel: 6 });
    assert.ok((await both(dir, cacheDir, { compressionLevel: 6 })).reusedBodies > 0);
    const nine = await both(dir, cacheDir, { compressionLevel: 9 });
    assert.equal(nine.reusedBodies, 0);
    assert.equal(nine.cacheNotice, undefined, "another level is not a disagreement");
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
