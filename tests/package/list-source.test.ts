/**
 * `listSource` (what `check` of a new function runs): the files `hashSource` would hash — same paths, order,
 * sizes and modes under the same options — and the same `PackagingError` for a tree packaging refuses.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hashSource, listSource, type PackagingOptions } from "../../provider/package";

let work: string;

/** Writes `files` under a new directory `name` (a `->` value is a symlink target); returns the directory. */
function tree(name: string, files: Record<string, string>, executable: string[] = []): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (content.startsWith("->")) fs.symlinkSync(content.slice(2), p);
    else fs.writeFileSync(p, content);
  }
  for (const rel of executable) fs.chmodSync(path.join(dir, rel), 0o755);
  return dir;
}

/** The error code `fn` throws (or "none"). */
async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "none";
  } catch (err) {
    return String((err as { code?: string }).code);
  }
}

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-list-source-"));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe("listSource", () => {
  it("lists what hashSource hashes: paths in archive order, sizes, modes; ignore files, excludes and links applied", async () => {
    const dir = tree("mixed", {
      "index.js": "exports.handler = 1;\n", "bin/run": "#!/bin/sh\n", "lib/z.js": "z\n", "lib/a.js": "aa\n",
      "lib/link.js": "->a.js", "docs/readme.md": "# x\n", "skip.log": "x", ".fgsignore": "*.log\n", "é/ü.txt": "u\n",
    }, ["bin/run"]);
    for (const options of [{}, { exclude: ["docs/"] }, { useIgnoreFiles: false }] as PackagingOptions[]) {
      const listed = listSource(dir, options);
      const hashed = await hashSource(dir, options);
      assert.deepEqual(listed.files.map((f) => [f.path, f.size, f.mode]), hashed.files.map((f) => [f.path, f.size, f.mode]), JSON.stringify(options));
      assert.equal(listed.totalBytes, hashed.files.reduce((n, f) => n + f.size, 0));
    }
    assert.ok(listSource(dir).files.some((f) => f.path === "bin/run" && f.mode === 0o755));
  });

  it("refuses what packaging refuses, with the same code", async () => {
    const cases: [string, string][] = [
      [path.join(work, "missing"), "ENOENT_SOURCE"],
      [tree("empty", { ".fgsignore": "*\n" }), "EMPTY_AFTER_EXCLUDES"],
      [tree("broken", { "index.js": "x", "dangling.js": "->gone.js" }), "SYMLINK_BROKEN"],
      [tree("escape", { "index.js": "x", "out.txt": `->${path.join(os.tmpdir())}` }), "SYMLINK_ESCAPES"],
    ];
    for (const [dir, code] of cases) {
      assert.equal(await codeOf(() => listSource(dir)), code, dir);
      assert.equal(await codeOf(() => hashSource(dir)), code, dir);
    }
    assert.equal(await codeOf(() => listSource(tree("big", { "a.bin": "x".repeat(2048) }), { maxTotalBytes: 1024 })), "TOO_LARGE");
  });

  it("refuses a file the process may not read (UNREADABLE), without reading any content", { skip: process.getuid?.() === 0 ? "running as root: mode 000 does not block root's reads" : false }, async () => {
    const dir = tree("unreadable", { "index.js": "x", "secret.txt": "s" });
    fs.chmodSync(path.join(dir, "secret.txt"), 0o000);
    assert.equal(await codeOf(() => listSource(dir)), "UNREADABLE");
    assert.equal(await codeOf(() => hashSource(dir)), "UNREADABLE");
  });
});
