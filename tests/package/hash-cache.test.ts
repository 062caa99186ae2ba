/**
 * The stat-stamp digest cache behind `hashSource({ hashCache })` and `packageSource({ hashCache })`: it never
 * changes the result, it is used for unchanged files, and a content change is seen even when size and mtime
 * are kept (ctime changes).
 */
import { after, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { hashSource, packageSource } from "../../provider/package";
import { openHashCache, statStamp } from "../../provider/package/hash-cache";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-hash-cache-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const anHourAgo = new Date(Date.now() - 3600_000);

function tree(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    fs.utimesSync(p, anHourAgo, anHourAgo); // old enough not to be racy
  }
  return dir;
}

function cachedEntries(dir: string, cacheDir: string): string[] {
  // The digest cache itself (packageSource also records its zip there: `<stem>.bodies.{json,zip}`).
  const [file] = fs.readdirSync(cacheDir).filter((n) => /^[0-9a-f]{32}\.json$/.test(n));
  const body = JSON.parse(fs.readFileSync(path.join(cacheDir, file), "utf8")) as { root: string; entries: Record<string, unknown> };
  assert.equal(body.root, fs.realpathSync(dir));
  return Object.keys(body.entries).sort();
}

describe("hashSource with hashCache", () => {
  it("gives the same result as without the cache, cold and warm", async () => {
    const dir = tree("same", { "index.js": "a\n", "lib/b.js": "bb\n", "lib/c.txt": "ccc\n" });
    const cacheDir = path.join(tmp, "cache-same");
    const plain = await hashSource(dir);
    const cold = await hashSource(dir, { hashCache: cacheDir });
    const warm = await hashSource(dir, { hashCache: cacheDir });
    assert.deepEqual(cold, plain);
    assert.deepEqual(warm, plain);
    assert.deepEqual(cachedEntries(dir, cacheDir), ["index.js", "lib/b.js", "lib/c.txt"]);
  });

  it("uses the cached digest when the stamp is unchanged (proved with a planted digest)", async () => {
    const dir = tree("planted", { "index.js": "real\n" });
    const cacheDir = path.join(tmp, "cache-planted");
    const st = fs.statSync(path.join(dir, "index.js"));
    const cache = openHashCache(fs.realpathSync(dir), cacheDir);
    cache.set("index.js", statStamp(st), st.mtimeMs, "f".repeat(128));
    cache.save();
    const res = await hashSource(dir, { hashCache: cacheDir });
    assert.equal(res.files[0].sha512, "f".repeat(128));
  });

  it("re-reads a file whose content changed with the same size and mtime (ctime moved)", async () => {
    const dir = tree("ctime", { "index.js": "one\n" });
    const cacheDir = path.join(tmp, "cache-ctime");
    const before = await hashSource(dir, { hashCache: cacheDir });
    const p = path.join(dir, "index.js");
    await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(p, "two\n");
    fs.utimesSync(p, anHourAgo, anHourAgo);
    const after = await hashSource(dir, { hashCache: cacheDir });
    assert.notEqual(after.sourceSha512, before.sourceSha512);
    assert.deepEqual(after, await hashSource(dir));
  });

  it("does not store racy entries (modified just now), and writes no file with nothing to keep", async () => {
    const dir = path.join(tmp, "racy");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "fresh.js"), "x\n");
    fs.writeFileSync(path.join(dir, "old.js"), "y\n");
    fs.utimesSync(path.join(dir, "old.js"), anHourAgo, anHourAgo);
    const cacheDir = path.join(tmp, "cache-racy");
    await hashSource(dir, { hashCache: cacheDir });
    assert.deepEqual(cachedEntries(dir, cacheDir), ["old.js"]);

    const freshOnly = path.join(tmp, "racy-only");
    fs.mkdirSync(freshOnly);
    fs.writeFileSync(path.join(freshOnly, "fresh.js"), "x\n");
    const emptyCache = path.join(tmp, "cache-racy-only");
    await hashSource(freshOnly, { hashCache: emptyCache });
    assert.deepEqual(fs.existsSync(emptyCache) ? fs.readdirSync(emptyCache) : [], []);
  });

  it("prunes cache files of directories not hashed for two weeks", async () => {
    const cacheDir = path.join(tmp, "cache-prune");
    fs.mkdirSync(cacheDir);
    const stale = path.join(cacheDir, "0".repeat(32) + ".json");
    const recent = path.join(cacheDir, "1".repeat(32) + ".json");
    fs.writeFileSync(stale, "{}");
    fs.writeFileSync(recent, "{}");
    const longAgo = new Date(Date.now() - 15 * 24 * 3600_000);
    fs.utimesSync(stale, longAgo, longAgo);
    await hashSource(tree("prune", { "a.js": "a\n" }), { hashCache: cacheDir });
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(recent), true);
  });

  it("keeps files named like object properties (`__proto__`, `constructor`) as ordinary entries", async () => {
    const dir = tree("proto", { ["__proto__"]: "p\n", "constructor": "c\n", "toString": "t\n" }); // computed: an own key
    const cacheDir = path.join(tmp, "cache-proto");
    const plain = await hashSource(dir);
    assert.deepEqual(await hashSource(dir, { hashCache: cacheDir }), plain);
    assert.deepEqual(cachedEntries(dir, cacheDir), ["__proto__", "constructor", "toString"]);
    const st = fs.statSync(path.join(dir, "__proto__"));
    const cache = openHashCache(fs.realpathSync(dir), cacheDir);
    assert.equal(cache.get("__proto__", statStamp(st)), plain.files.find((f) => f.path === "__proto__")!.sha512);
    assert.deepEqual(await hashSource(dir, { hashCache: cacheDir }), plain);
  });

  it("treats a corrupt cache file as empty", async () => {
    const dir = tree("corrupt", { "a.js": "a\n" });
    const cacheDir = path.join(tmp, "cache-corrupt");
    await hashSource(dir, { hashCache: cacheDir });
    // The digest cache itself (packageSource also records its zip there: `<stem>.bodies.{json,zip}`).
  const [file] = fs.readdirSync(cacheDir).filter((n) => /^[0-9a-f]{32}\.json$/.test(n));
    fs.writeFileSync(path.join(cacheDir, file), "{not json");
    assert.deepEqual(await hashSource(dir, { hashCache: cacheDir }), await hashSource(dir));
  });
});

describe("packageSource with hashCache", () => {
  const sha512 = (text: string) => createHash("sha512").update(text).digest("hex");

  for (const workerThreads of [undefined, 1]) {
    const where = workerThreads ? "on a worker" : "inline";
    it(`builds the same zip with and without the cache, and records the digests for the next preview (${where})`, async () => {
      const dir = tree(`pkg-same-${where}`, { "index.js": "a\n", "lib/b.js": "bb\n".repeat(1000), "lib/c.txt": "ccc\n" });
      const cacheDir = path.join(tmp, `cache-pkg-same-${where}`);
      const plain = await packageSource(dir, { workerThreads });
      const cold = await packageSource(dir, { hashCache: cacheDir, workerThreads });
      assert.deepEqual(cachedEntries(dir, cacheDir), ["index.js", "lib/b.js", "lib/c.txt"]);
      const warm = await packageSource(dir, { hashCache: cacheDir, workerThreads });
      for (const pkg of [cold, warm]) {
        assert.ok(pkg.zip.equals(plain.zip));
        assert.equal(pkg.sourceSha512, plain.sourceSha512);
        assert.deepEqual(pkg.files, plain.files);
      }
      assert.equal((await hashSource(dir, { hashCache: cacheDir })).sourceSha512, plain.sourceSha512);
    });

    it(`never takes a recorded digest: a planted one is reported, replaced, and the preview sees the truth after (${where})`, async () => {
      const dir = tree(`pkg-planted-${where}`, { "index.js": "real\n", "b.js": "old\n" });
      const cacheDir = path.join(tmp, `cache-pkg-planted-${where}`);
      const cache = openHashCache(fs.realpathSync(dir), cacheDir);
      for (const name of ["index.js", "b.js"]) {
        const st = fs.statSync(path.join(dir, name));
        cache.set(name, statStamp(st), st.mtimeMs, "f".repeat(128));
      }
      cache.save();
      await new Promise((r) => setTimeout(r, 20));
      fs.writeFileSync(path.join(dir, "b.js"), "new\n"); // same size, mtime put back: only ctime moves
      fs.utimesSync(path.join(dir, "b.js"), anHourAgo, anHourAgo);
      const pkg = await packageSource(dir, { hashCache: cacheDir, workerThreads });
      const byPath = Object.fromEntries(pkg.files.map((f) => [f.path, f.sha512]));
      assert.equal(byPath["index.js"], sha512("real\n"), "the digest of the bytes read, not the planted one");
      assert.equal(byPath["b.js"], sha512("new\n"));
      const plain = await packageSource(dir, { workerThreads });
      assert.equal(pkg.sourceSha512, plain.sourceSha512);
      assert.ok(pkg.zip.equals(plain.zip), "the digests change nothing in the zip");
      assert.match(pkg.cacheNotice ?? "", /1 recorded digest is not the content of the unchanged file; discarded them and rewrote them/);
      assert.equal(plain.cacheNotice, undefined);
      // Rewritten: the preview, which trusts the cache, now hashes to the truth, and up has nothing to report.
      assert.equal((await hashSource(dir, { hashCache: cacheDir })).sourceSha512, plain.sourceSha512);
      assert.equal((await packageSource(dir, { hashCache: cacheDir, workerThreads })).cacheNotice, undefined);
    });
  }
});

