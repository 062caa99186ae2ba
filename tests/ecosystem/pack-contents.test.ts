/**
 * What `npm pack` puts in the tarball (`npm pack --dry-run --json`, nothing written): the documents the README
 * points a tarball user at, and no source map — a map would point stack traces at .ts files the tarball does not
 * ship, so traces name the .js files that are there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "../../..");

test("the tarball ships emulator/README.md and the compiled files without source maps", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--silent"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  for (const doc of ["README.md", "emulator/README.md"]) assert.ok(files.includes(doc), `${doc} is in the tarball`);
  assert.ok(files.includes("dist/provider/api/client.js"), "the compiled provider is in the tarball");
  assert.deepEqual(files.filter((f) => f.endsWith(".map")), [], "no source map pointing at sources the tarball lacks");
  assert.deepEqual(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("examples/") && !f.startsWith("templates/")), [],
    "no TypeScript source outside the examples and templates (traces name the .js files)");
});
