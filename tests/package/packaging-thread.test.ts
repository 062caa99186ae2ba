/**
 * The packaging thread (packaging-thread.ts): a source of many files is zipped on a worker thread of its own,
 * with exactly the bytes, digests and file list the calling thread makes; the caches work through it, its
 * errors arrive as the same `PackagingError`, and the zip stays readable after the thread has ended.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isPackagingError, packageSource } from "../../provider/package";
import { PIPELINE, resolveOptions } from "../../provider/package/options";
import { packagingThreadScript } from "../../provider/package/packaging-thread";
import { cleanup, tempDir, writeTree, type FixtureEntry } from "./helpers";

/** A tree just over the packaging thread's entry count: small files, a few big ones, an executable, a link. */
function manyFiles(root: string): string {
  const entries: Record<string, FixtureEntry> = {
    "index.js": "exports.handler = async () => 'hi';\n",
    bootstrap: { content: "#!/bin/sh\nexec node index.js\n", mode: 0o755 },
    "link.js": { symlink: "index.js" },
  };
  for (let i = 0; i < PIPELINE.packagingThreadFromEntries; i++) {
    entries[`pkg/${String(i % 23)}/f${i}.js`] = `module.exports = ${i};\n`.repeat(i % 400 === 0 ? 60_000 : 1 + (i % 40));
  }
  return writeTree(path.join(root, "src"), entries);
}

function zipBytes(p: { pieces(): Iterable<Uint8Array> }): Buffer {
  return Buffer.concat([...p.pieces()].map((piece) => Buffer.from(piece)));
}

test("a source of many files goes to the packaging thread, a small one or a chosen worker count does not", (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const big = manyFiles(root);
  const small = writeTree(path.join(root, "small"), { "index.js": "exports.handler = 1;\n" });
  assert.match(packagingThreadScript(big, resolveOptions({})) ?? "", /packaging-thread-worker\.js$/);
  assert.equal(packagingThreadScript(small, resolveOptions({})), undefined);
  assert.equal(packagingThreadScript(big, resolveOptions({ workerThreads: 2 })), undefined);
  assert.equal(packagingThreadScript(big, { ...resolveOptions({}), onPackagingThread: true }), undefined);
  assert.equal(packagingThreadScript(path.join(root, "missing"), resolveOptions({})), undefined);
});

test("the packaging thread's zip, digests and files are the calling thread's, with and without the caches", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = manyFiles(root);
  const here = await packageSource(dir, { workerThreads: 2 });
  const thread = await packageSource(dir);
  t.after(() => { here.close(); thread.close(); });
  assert.ok(zipBytes(thread).equals(zipBytes(here)), "the zip differs");
  assert.equal(thread.sourceSha512, here.sourceSha512);
  assert.equal(thread.zipSha512, here.zipSha512);
  assert.equal(thread.size, here.size);
  assert.deepEqual(thread.files, here.files);
  // Read again after the thread ended: the spool is the caller's now.
  const out = path.join(root, "out.zip");
  thread.writeTo(out);
  assert.ok(fs.readFileSync(out).equals(zipBytes(here)));

  const cacheDir = path.join(root, "cache");
  const cold = await packageSource(dir, { hashCache: cacheDir });
  const warm = await packageSource(dir, { hashCache: cacheDir });
  t.after(() => { cold.close(); warm.close(); });
  assert.equal(cold.reusedBodies, 0);
  assert.ok(warm.reusedBodies > PIPELINE.packagingThreadFromEntries / 2, `the last package's bodies were reused (${warm.reusedBodies})`);
  for (const p of [cold, warm]) {
    assert.ok(zipBytes(p).equals(zipBytes(here)));
    assert.equal(p.zipSha512, here.zipSha512);
    assert.equal(p.cacheNotice, undefined);
  }
  // A cache that disagrees is reported through the thread as on the calling thread.
  const digests = fs.readdirSync(cacheDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".bodies.json"));
  assert.equal(digests.length, 1, `one body index: ${digests.join(", ")}`);
  fs.writeFileSync(path.join(cacheDir, digests[0]), "not json");
  const mended = await packageSource(dir, { hashCache: cacheDir });
  t.after(() => mended.close());
  assert.match(mended.cacheNotice ?? "", /disagreed with the source/);
  assert.ok(zipBytes(mended).equals(zipBytes(here)));
});

test("an error on the packaging thread arrives as the same PackagingError, nothing left open", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = manyFiles(root);
  fs.symlinkSync("/etc/hostname", path.join(dir, "pkg", "3", "escape.txt"));
  const before = fs.readdirSync("/proc/self/fd").length;
  for (const options of [{}, { workerThreads: 2 }]) {
    await assert.rejects(packageSource(dir, options), (err: unknown) => {
      assert.ok(isPackagingError(err), String(err));
      assert.equal(err.name, "PackagingError");
      assert.equal(err.code, "SYMLINK_ESCAPES");
      assert.equal(err.path, path.join(dir, "pkg", "3", "escape.txt"));
      assert.match(err.message, /followExternalSymlinks/);
      return true;
    });
  }
  assert.equal(fs.readdirSync("/proc/self/fd").length, before, "a descriptor was left open");
});
