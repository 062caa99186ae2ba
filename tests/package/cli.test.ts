/**
 * `fgs pack`: text and JSON output agree with the library; --out writes (or replaces) the zip only on success.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { packageSource } from "../../provider/package";
import { cleanup, tempDir, writeTree } from "./helpers";

const FGS = path.resolve(__dirname, "../../bin/fgs.js");

function fgs(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [FGS, "pack", ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("fgs pack prints the hashes, counts and bytes, and --out writes the same zip", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "index.js": "x", bootstrap: { content: "#!/bin/sh\n", mode: 0o755 }, "a.log": "x" });
  const out = path.join(root, "out.zip");
  const r = fgs(dir, "--exclude", "*.log", "--out", out);
  assert.equal(r.status, 0, r.stderr);
  const expected = await packageSource(dir, { exclude: ["*.log"] });
  assert.match(r.stdout, new RegExp(`sourceSha512\\s+${expected.sourceSha512}`));
  assert.match(r.stdout, new RegExp(`zipSha512\\s+${expected.zipSha512}`));
  assert.match(r.stdout, /files\s+2 \(1 executable\)/);
  assert.ok(fs.readFileSync(out).equals(expected.zip));
  // An existing --out file is replaced whole (truncated: a longer old file leaves no tail).
  fs.writeFileSync(out, Buffer.alloc(expected.size + 4096, 7));
  const again = fgs(dir, "--exclude", "*.log", "--out", out);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(fs.readFileSync(out).equals(expected.zip), "the old file's bytes are gone");

  const j = fgs(dir, "--json", "-x", "*.log");
  assert.equal(j.status, 0, j.stderr);
  const json = JSON.parse(j.stdout);
  assert.equal(json.sourceSha512, expected.sourceSha512);
  assert.equal(json.zipBytes, expected.size);
  assert.deepEqual(json.files.map((f: { path: string; mode: string }) => [f.path, f.mode]), [["bootstrap", "755"], ["index.js", "644"]]);
});

test("fgs pack fails with exit 1 naming the path and writes nothing; bad usage exits 2", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const out = path.join(root, "out.zip");
  const missing = path.join(root, "missing");
  const r = fgs(missing, "--out", out);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(missing) && r.stderr.includes("ENOENT_SOURCE"), r.stderr);
  assert.ok(!fs.existsSync(out), "no zip written");
  assert.equal(fgs().status, 2);
  assert.equal(fgs(root, "--level", "11").status, 2);
  assert.equal(fgs(root, "--bogus").status, 2);
});
