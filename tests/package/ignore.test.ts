/**
 * Ignore rules: .gitignore / .fgsignore at several depths relative to their own directory, negations,
 * `exclude` applied last (can re-include), `useIgnoreFiles: false`, and `.git` always left out.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { hashSource, packageSource } from "../../provider/package";
import { cleanup, readZip, tempDir, writeTree } from "./helpers";

async function paths(dir: string, options = {}): Promise<string[]> {
  return (await hashSource(dir, options)).files.map((f) => f.path);
}

test("nested ignore files apply relative to their own directory, deeper ones override, negations work", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), {
    ".gitignore": "*.log\n/build/\nsecret.txt\n",
    ".fgsignore": "tests/\n",
    "app.js": "1",
    "debug.log": "x",
    "build/out.js": "x",
    "secret.txt": "x",
    "tests/a.test.js": "x",
    "lib/.gitignore": "!keep.log\n/local.js\n",
    "lib/keep.log": "kept by negation",
    "lib/drop.log": "x",
    "lib/local.js": "anchored to lib/",
    "lib/build/out.js": "kept: /build/ is anchored to the root",
    "lib/sub/local.js": "kept: /local.js is anchored to lib/",
    "lib/sub/secret.txt": "x",
    "lib/sub/.fgsignore": "*.tmp\n!important.tmp\n",
    "lib/sub/a.tmp": "x",
    "lib/sub/important.tmp": "kept",
    "other/a.tmp": "kept: lib/sub/.fgsignore does not apply here",
  });
  assert.deepEqual(await paths(dir), [
    ".fgsignore",
    ".gitignore",
    "app.js",
    "lib/.gitignore",
    "lib/build/out.js",
    "lib/keep.log",
    "lib/sub/.fgsignore",
    "lib/sub/important.tmp",
    "lib/sub/local.js",
    "other/a.tmp",
  ]);
  // packageSource selects exactly the same files.
  assert.deepEqual((await readZip((await packageSource(dir)).zip)).map((e) => e.name), await paths(dir));
});

test("exclude patterns apply after ignore files: they add exclusions and can re-include with !", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), {
    ".gitignore": "dist/\n",
    "dist/index.js": "built",
    "dist/index.js.map": "map",
    "src/index.ts": "source",
    "README.md": "docs",
    "deep/a/README.md": "docs",
  });
  assert.deepEqual(await paths(dir, { exclude: ["!dist/", "*.map", "src/", "README.md"] }), [".gitignore", "dist/index.js"]);
  assert.deepEqual(await paths(dir, { exclude: ["/README.md"] }), [".gitignore", "deep/a/README.md", "src/index.ts"]);
});

test("useIgnoreFiles: false packages ignored files; exclude still applies", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { ".gitignore": "*.log\n", "a.log": "x", "b.js": "x", "c.tmp": "x" });
  assert.deepEqual(await paths(dir, { useIgnoreFiles: false }), [".gitignore", "a.log", "b.js", "c.tmp"]);
  assert.deepEqual(await paths(dir, { useIgnoreFiles: false, exclude: ["*.tmp"] }), [".gitignore", "a.log", "b.js"]);
});

test(".git is always left out, at any depth, even with a negation", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), {
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/objects/ab/cdef": "x",
    "vendor/lib/.git": "gitdir: ../../.git/modules/lib\n",
    "vendor/lib/index.js": "x",
    "index.js": "x",
    ".gitkeep": "",
  });
  assert.deepEqual(await paths(dir, { exclude: ["!.git/"] }), [".gitkeep", "index.js", "vendor/lib/index.js"]);
});
