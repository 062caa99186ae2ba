/**
 * Symlinks: inside links are packaged under the link's path, escaping links are refused (unless
 * followExternalSymlinks), broken links and cycles are clear errors naming the link.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { hashSource, packageSource, PackagingError } from "../../provider/package";
import { cleanup, readZip, tempDir, writeTree } from "./helpers";

function rejectsWith(code: string, p: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof PackagingError, `expected PackagingError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.path, p);
    assert.ok(err.message.includes(p), `message names ${p}: ${err.message}`);
    return true;
  };
}

test("links to a file and a directory inside the source are packaged under the link's path", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), {
    "real/run.sh": { content: "#!/bin/sh\n", mode: 0o755 },
    "real/data.txt": "data",
    "link-file": { symlink: "real/data.txt" },
    "link-dir": { symlink: "real" },
    "nested/up": { symlink: "../real/run.sh" },
  });
  const r = await packageSource(dir);
  assert.deepEqual(
    r.files.map((f) => [f.path, f.mode]),
    [["link-dir/data.txt", 0o644], ["link-dir/run.sh", 0o755], ["link-file", 0o644], ["nested/up", 0o755], ["real/data.txt", 0o644], ["real/run.sh", 0o755]],
  );
  const entries = await readZip(r.zip);
  assert.equal(entries.find((e) => e.name === "link-file")?.data.toString(), "data", "content of the target");
  assert.equal((await hashSource(dir)).sourceSha512, r.sourceSha512);
});

test("a link resolving outside the source is refused, naming the link; followExternalSymlinks packages it", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  writeTree(path.join(root, "outside"), { "id_rsa": "PRIVATE KEY" });
  const dir = writeTree(path.join(root, "src"), { "index.js": "x", "ssh": { symlink: "../outside" }, "key": { symlink: path.join(root, "outside", "id_rsa") } });
  await assert.rejects(hashSource(dir), rejectsWith("SYMLINK_ESCAPES", path.join(dir, "key")));
  await assert.rejects(packageSource(dir, { exclude: ["key"] }), rejectsWith("SYMLINK_ESCAPES", path.join(dir, "ssh")));
  assert.deepEqual((await hashSource(dir, { exclude: ["key", "ssh"] })).files.map((f) => f.path), ["index.js"], "excluded links are not even resolved");
  const followed = await packageSource(dir, { followExternalSymlinks: true });
  assert.deepEqual(followed.files.map((f) => f.path), ["index.js", "key", "ssh/id_rsa"]);
});

test("a broken link is a clear error naming the link", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "index.js": "x", "sub/dangling": { symlink: "../missing.js" } });
  await assert.rejects(packageSource(dir), rejectsWith("SYMLINK_BROKEN", path.join(dir, "sub", "dangling")));
});

test("cycles are detected: a link to an ancestor, and a link loop", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "a/b/index.js": "x", "a/b/loop": { symlink: "../.." } });
  await assert.rejects(hashSource(dir), rejectsWith("SYMLINK_CYCLE", path.join(dir, "a", "b", "loop")));
  const dir2 = writeTree(path.join(root, "src2"), { "index.js": "x", "p": { symlink: "q" }, "q": { symlink: "p" } });
  await assert.rejects(packageSource(dir2), rejectsWith("SYMLINK_CYCLE", path.join(dir2, "p")));
  // Following external links cannot loop either: the source root is an ancestor of itself.
  const root3 = tempDir();
  t.after(() => cleanup(root3));
  const dir3 = writeTree(path.join(root3, "src3"), { "index.js": "x", "parent": { symlink: ".." } });
  await assert.rejects(hashSource(dir3, { followExternalSymlinks: true }), rejectsWith("SYMLINK_CYCLE", path.join(dir3, "parent", "src3")));
});

test("the source directory itself may be a symlink", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const real = writeTree(path.join(root, "real"), { "index.js": "x", "self-file": { symlink: "index.js" } });
  fs.symlinkSync(real, path.join(root, "alias"));
  assert.equal((await hashSource(path.join(root, "alias"))).sourceSha512, (await hashSource(real)).sourceSha512);
});
