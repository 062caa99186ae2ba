/**
 * The zip is byte-identical and sourceSha512 unchanged across time zones, modes (umask), mtimes, creation
 * order and parent directory; sourceSha512 changes with content, names and exec bits but not compression.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { hashSource, packageSource } from "../../provider/package";
import { cleanup, PACKAGE_MODULE, tempDir, writeTree, type FixtureEntry } from "./helpers";

const TREE: Record<string, FixtureEntry> = {
  "index.js": "exports.handler = async () => 'hi';\n",
  bootstrap: { content: "#!/bin/sh\nexec node index.js\n", mode: 0o755 },
  "lib/util.js": "module.exports = 1;\n".repeat(50),
  "lib/deep/er/data.json": JSON.stringify({ a: [1, 2, 3] }),
  "empty.txt": "",
  "z/last.bin": Buffer.from([0, 1, 2, 3, 255]),
};

test("zip bytes are identical under different TZ values (child processes)", async (t) => {
  const dir = writeTree(path.join(tempDir(), "src"), TREE);
  t.after(() => cleanup(path.dirname(dir)));
  const script = `require(${JSON.stringify(PACKAGE_MODULE)}).packageSource(${JSON.stringify(dir)}).then(r => process.stdout.write(r.zipSha512 + " " + r.sourceSha512))`;
  const results = ["UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Chatham"].map((tz) =>
    execFileSync(process.execPath, ["-e", script], { env: { ...process.env, TZ: tz } }).toString(),
  );
  assert.equal(new Set(results).size, 1, `differs by TZ: ${results.join("\n")}`);
  const inProcess = await packageSource(dir);
  assert.equal(results[0], `${inProcess.zipSha512} ${inProcess.sourceSha512}`);
});

test("zip and sourceSha512 ignore umask-style modes, mtimes, creation order and parent directory", async (t) => {
  const a = writeTree(path.join(tempDir(), "a", "src"), TREE, 0o644);
  // Reverse creation order, group-writable / owner-only modes (as other umasks give), another parent.
  const reversed = Object.fromEntries(Object.entries(TREE).reverse());
  const b = writeTree(path.join(tempDir(), "elsewhere", "deeper", "pkg"), reversed, 0o600);
  fs.chmodSync(path.join(b, "bootstrap"), 0o700);
  fs.chmodSync(path.join(b, "index.js"), 0o664);
  const old = new Date("2001-02-03T04:05:06Z");
  for (const rel of Object.keys(TREE)) fs.utimesSync(path.join(b, rel), old, old);
  t.after(() => cleanup(path.dirname(a), path.dirname(path.dirname(b))));

  const [pa, pb] = [await packageSource(a), await packageSource(b)];
  assert.ok(pa.zip.equals(pb.zip), "zip bytes differ");
  assert.equal(pa.sourceSha512, pb.sourceSha512);
  assert.equal(pa.zipSha512, pb.zipSha512);
  assert.deepEqual(pa.files, pb.files);
  // A process umask does not matter either: modes are normalised when written.
  const prev = process.umask(0o077);
  try {
    const pc = await packageSource(a);
    assert.ok(pc.zip.equals(pa.zip));
  } finally {
    process.umask(prev);
  }
});

test("sourceSha512 equals hashSource and changes with one byte, a rename and an exec bit", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), TREE);
  const base = await hashSource(dir);
  assert.equal((await packageSource(dir)).sourceSha512, base.sourceSha512);
  assert.match(base.sourceSha512, /^[0-9a-f]{128}$/);

  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 'hI';\n");
  const byte = await hashSource(dir);
  assert.notEqual(byte.sourceSha512, base.sourceSha512);
  fs.writeFileSync(path.join(dir, "index.js"), TREE["index.js"] as string);
  assert.equal((await hashSource(dir)).sourceSha512, base.sourceSha512, "restoring the byte restores the hash");

  fs.renameSync(path.join(dir, "lib/util.js"), path.join(dir, "lib/utils.js"));
  const renamed = await hashSource(dir);
  assert.notEqual(renamed.sourceSha512, base.sourceSha512);
  fs.renameSync(path.join(dir, "lib/utils.js"), path.join(dir, "lib/util.js"));

  fs.chmodSync(path.join(dir, "index.js"), 0o744);
  const exec = await hashSource(dir);
  assert.notEqual(exec.sourceSha512, base.sourceSha512);
  assert.equal(exec.files.find((f) => f.path === "index.js")?.mode, 0o755);
  // Per-file digests let callers tell exactly what changed.
  const changed = exec.files.filter((f, i) => f.mode !== base.files[i].mode || f.sha512 !== base.files[i].sha512).map((f) => f.path);
  assert.deepEqual(changed, ["index.js"]);
});

test("compression level changes the zip but not sourceSha512", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { ...TREE, "big.txt": "lorem ipsum dolor sit amet ".repeat(4000) });
  const l1 = await packageSource(dir, { compressionLevel: 1 });
  const l9 = await packageSource(dir, { compressionLevel: 9 });
  const l0 = await packageSource(dir, { compressionLevel: 0 });
  assert.notEqual(l1.zipSha512, l9.zipSha512);
  assert.ok(l0.size > l1.size);
  assert.equal(l1.sourceSha512, l9.sourceSha512);
  assert.equal(l0.sourceSha512, l9.sourceSha512);
  const again = await packageSource(dir, { compressionLevel: 9 });
  assert.ok(again.zip.equals(l9.zip), "same level twice gives the same bytes");
});

test("worker threads (0, 1, 2) and batching never change a byte, on a tree large enough to batch", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const entries: Record<string, FixtureEntry> = { ...TREE };
  // ~5 MB over 300 files, several over the 1 MiB batch size: exercises batching, ordering and backpressure.
  for (let i = 0; i < 300; i++) entries[`gen/${String(i % 17)}/f${i}.txt`] = `line ${i} `.repeat(i % 50 === 0 ? 150_000 : 400 + i);
  const dir = writeTree(path.join(root, "src"), entries);
  const runs = await Promise.all([0, 1, 2].map((workerThreads) => packageSource(dir, { workerThreads })));
  const auto = await packageSource(dir);
  for (const r of [...runs, auto]) {
    assert.ok(r.zip.equals(runs[0].zip), "zip bytes differ between thread counts");
    assert.equal(r.sourceSha512, runs[0].sourceSha512);
  }
  assert.equal((await hashSource(dir, { workerThreads: 2 })).sourceSha512, runs[0].sourceSha512);
  // Hashing by default: one worker and the calling thread taking unstarted batches (deflate-pool.ts).
  assert.deepEqual((await hashSource(dir)).files, (await hashSource(dir, { workerThreads: 0 })).files);
  assert.equal(runs[0].files.length, Object.keys(entries).length);
});
