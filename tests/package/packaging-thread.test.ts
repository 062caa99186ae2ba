/**
 * The packaging thread (packaging-thread.ts): a source of many files is zipped on a worker thread of its own,
 * with exactly the bytes, digests and file list the calling thread makes; the caches work through it, its
 * errors arrive as the same `PackagingError`, and the zip stays readable after the thread has ended.
 */
import { test, type TestContext } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isPackagingError, packageSource, PackagingError, type PackagedSource } from "../../provider/package";
import { unreadable } from "../../provider/package/errors";
import { PIPELINE, resolveOptions } from "../../provider/package/options";
import { errorForThread, errorFromThread, packagingThreadScript } from "../../provider/package/packaging-thread";
import { cleanup, PACKAGE_MODULE, tempDir, writeTree, type FixtureEntry } from "./helpers";

/** A tree just over the packaging thread's entry count: small files, a few big ones, an executable, a link. */
function writeManyFiles(root: string): string {
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

/** `writeManyFiles` in a temp dir removed after the test `t`. */
function manyFiles(t: TestContext): { root: string; dir: string } {
  const root = tempDir();
  t.after(() => cleanup(root));
  return { root, dir: writeManyFiles(root) };
}

/** `dir` zipped on the calling thread with `workerThreads` workers (the reference), closed after the test `t`. */
async function zippedHere(t: TestContext, dir: string, workerThreads: number): Promise<PackagedSource> {
  const p = await packageSource(dir, { workerThreads });
  t.after(() => p.close());
  return p;
}

function zipBytes(p: { pieces(): Iterable<Uint8Array> }): Buffer {
  return Buffer.concat([...p.pieces()].map((piece) => Buffer.from(piece)));
}

test("a source of many files goes to the packaging thread, a small one or a chosen worker count does not", (t) => {
  const { root, dir: big } = manyFiles(t);
  const small = writeTree(path.join(root, "small"), { "index.js": "exports.handler = 1;\n" });
  assert.match(packagingThreadScript(big, resolveOptions({})) ?? "", /packaging-thread-worker\.js$/);
  assert.equal(packagingThreadScript(small, resolveOptions({})), undefined);
  assert.equal(packagingThreadScript(big, resolveOptions({ workerThreads: 2 })), undefined);
  assert.equal(packagingThreadScript(big, { ...resolveOptions({}), onPackagingThread: true }), undefined);
  assert.equal(packagingThreadScript(path.join(root, "missing"), resolveOptions({})), undefined);
});

test("the packaging thread's zip, digests and files are the calling thread's, with and without the caches", async (t) => {
  const { root, dir } = manyFiles(t);
  const here = await zippedHere(t, dir, 2);
  const thread = await packageSource(dir);
  t.after(() => thread.close());
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
  const { dir } = manyFiles(t);
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

test("a relative source and cache directory are the caller's working directory's, even if it changes meanwhile", async (t) => {
  const root = tempDir();
  const cwd = process.cwd();
  t.after(() => { process.chdir(cwd); cleanup(root); });
  const dir = writeManyFiles(path.join(root, "a"));
  writeTree(path.join(root, "b", "src"), { "other.js": "module.exports = 'other';\n" });
  const expected = await zippedHere(t, dir, 2);
  process.chdir(path.join(root, "a"));
  const pending = packageSource("src", { hashCache: "cache" });
  process.chdir(path.join(root, "b"));
  const got = await pending;
  t.after(() => got.close());
  assert.equal(got.sourceSha512, expected.sourceSha512);
  assert.ok(zipBytes(got).equals(zipBytes(expected)));
  assert.ok(fs.existsSync(path.join(root, "a", "cache")), "the cache went to a/cache");
  assert.ok(!fs.existsSync(path.join(root, "b", "cache")));
});

test("called from a worker thread of the caller's, the zip is read from the spool it was built in", async (t) => {
  const { root, dir } = manyFiles(t);
  const expected = await zippedHere(t, dir, 2);
  // The worker packages, lets the packaging thread end, opens unrelated files (which may take a freed
  // descriptor number), then reads the zip: it must be the zip, byte for byte.
  const script = `
    const { parentPort, workerData } = require("node:worker_threads");
    const fs = require("node:fs");
    require(workerData.module).packageSource(workerData.dir).then(async (p) => {
      await new Promise((r) => setTimeout(r, 200));
      const other = Array.from({ length: 20 }, () => fs.openSync(workerData.other, "r"));
      const zip = Buffer.concat([...p.pieces()].map((x) => Buffer.from(x)));
      const sha = p.zipSha512;
      other.forEach((fd) => fs.closeSync(fd));
      p.close();
      parentPort.postMessage({ zip, sha });
    }, (e) => parentPort.postMessage({ error: String(e) }));`;
  const other = path.join(root, "other.txt");
  fs.writeFileSync(other, "not a zip ".repeat(1000));
  const { Worker } = await import("node:worker_threads");
  const reply = await new Promise<{ zip?: Uint8Array; sha?: string; error?: string }>((resolve, reject) => {
    const w = new Worker(script, { eval: true, workerData: { module: PACKAGE_MODULE, dir, other } });
    w.once("message", resolve);
    w.once("error", reject);
  });
  assert.equal(reply.error, undefined);
  assert.ok(Buffer.from(reply.zip!).equals(zipBytes(expected)), "the zip read in the worker is not the package");
  assert.equal(reply.sha, expected.zipSha512);
});

test("an unreadable file's error keeps its cause through the thread", { skip: process.getuid?.() === 0 ? "root reads every file" : false }, async (t) => {
  const { dir } = manyFiles(t);
  const secret = path.join(dir, "pkg", "5", "secret.js");
  fs.writeFileSync(secret, "x");
  fs.chmodSync(secret, 0);
  for (const options of [{}, { workerThreads: 2 }]) {
    await assert.rejects(packageSource(dir, options), (err: Error & { code?: string; cause?: { code?: string } }) => {
      assert.equal(err.code, "UNREADABLE");
      assert.equal(err.cause?.code, "EACCES");
      return true;
    });
  }
});

test("an error crosses from the thread with its class, code, path, cause and stack", () => {
  const fsError = Object.assign(new Error("EACCES: permission denied, open '/x/secret.js'"), { code: "EACCES", errno: -13, syscall: "open", path: "/x/secret.js" });
  const thrown = unreadable("/x/secret.js", fsError);
  const back = errorFromThread(structuredClone(errorForThread(thrown)));
  assert.ok(back instanceof PackagingError);
  assert.equal(back.code, "UNREADABLE");
  assert.equal(back.path, "/x/secret.js");
  assert.equal(back.message, thrown.message);
  assert.equal(back.retryable, thrown.retryable);
  assert.equal(back.stack, thrown.stack);
  const cause = back.cause as NodeJS.ErrnoException;
  assert.deepEqual([cause.message, cause.code, cause.errno, cause.syscall, cause.path], [fsError.message, "EACCES", -13, "open", "/x/secret.js"]);
  const other = errorFromThread(structuredClone(errorForThread(fsError))) as NodeJS.ErrnoException;
  assert.ok(!(other instanceof PackagingError));
  assert.deepEqual([other.message, other.code, other.errno, other.syscall, other.path], [fsError.message, "EACCES", -13, "open", "/x/secret.js"]);
});

test("where no thread may start (the permission model without --allow-worker), the calling thread zips", async (t) => {
  const { dir } = manyFiles(t);
  const expected = await zippedHere(t, dir, 0);
  const flag = process.allowedNodeEnvironmentFlags.has("--permission") ? "--permission" : "--experimental-permission";
  const script = `require(${JSON.stringify(PACKAGE_MODULE)}).packageSource(${JSON.stringify(dir)})
    .then((p) => console.log(p.zipSha512), (e) => console.log("ERROR " + e.message))`;
  const { execFileSync } = await import("node:child_process");
  const out = execFileSync(process.execPath, [flag, "--allow-fs-read=*", "--allow-fs-write=*", "--no-warnings", "-e", script], { encoding: "utf8" }).trim();
  assert.equal(out, expected.zipSha512);
});

test("a packaging thread that dies leaves no descriptor and no spool, and says what to do", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  // 25,000 files: their walk records alone outgrow a 16 MB heap limit, which the thread inherits from the process.
  const dir = path.join(root, "src");
  for (let i = 0; i < 25_000; i++) {
    if (i < 100) fs.mkdirSync(path.join(dir, `d${i}`), { recursive: true });
    fs.writeFileSync(path.join(dir, `d${i % 100}`, `file-with-a-longish-name-${i}.js`), `x${i}`);
  }
  const cacheDir = path.join(root, "cache");
  // stdout and stderr first: Node opens a descriptor of its own when it sets them up for a worker.
  const script = `
    process.stdout; process.stderr;
    const fs = require("node:fs");
    const before = fs.readdirSync("/proc/self/fd").length;
    require(${JSON.stringify(PACKAGE_MODULE)}).packageSource(${JSON.stringify(dir)}, { hashCache: ${JSON.stringify(cacheDir)} })
      .then(() => console.log(JSON.stringify({ ok: true })),
        (e) => console.log(JSON.stringify({ message: e.message, code: e.code, fds: fs.readdirSync("/proc/self/fd").length - before })));`;
  const { execFileSync } = await import("node:child_process");
  const out = JSON.parse(execFileSync(process.execPath, ["--max-old-space-size=16", "-e", script], { encoding: "utf8" }).trim()) as { ok?: boolean; message?: string; code?: string; fds?: number };
  assert.equal(out.ok, undefined, "the thread was expected to reach the heap limit");
  assert.equal(out.code, "ERR_WORKER_OUT_OF_MEMORY");
  assert.match(out.message ?? "", /packaging thread failed: .*max-old-space-size/);
  assert.equal(out.fds, 0, "a descriptor was left open");
  const left = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => f.endsWith(".spool")) : [];
  assert.deepEqual(left, [], "a spool file was left in the cache directory");
});
