/**
 * The changed-files summary shown in the preview, and the compact fingerprint it is computed from: exact file
 * names for small trees, directory names for big ones, always within the state budget.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  compareWithFingerprint, describeChanges, fingerprintSource, FINGERPRINT_BUDGET, MAX_NAMES, type FingerprintFile,
} from "../../provider/resource/source-changes";

const sha = (s: string) => createHash("sha512").update(s).digest("hex");
const file = (p: string, content = p, mode = 0o644): FingerprintFile => ({ path: p, mode, sha512: sha(content) });

/** A node_modules-like tree: `packages` packages of `perPackage` files over a few levels. */
function bigTree(packages: number, perPackage: number): FingerprintFile[] {
  const files: FingerprintFile[] = [];
  for (let p = 0; p < packages; p++) {
    for (let f = 0; f < perPackage; f++) {
      files.push(file(`node_modules/package-number-${p}/lib/internal/module-${f}-${"x".repeat(f % 7)}.js`));
    }
  }
  files.push(file("index.js"));
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

describe("source changes", () => {
  it("names added, modified and removed files of a small tree, and exec-bit changes", () => {
    const before = [file("index.js"), file("lib/a.js"), file("lib/old.js"), file("bootstrap", "b", 0o644)];
    const after = [file("index.js", "changed"), file("lib/a.js"), file("lib/new.js"), file("bootstrap", "b", 0o755)];
    const changes = compareWithFingerprint(fingerprintSource(before), after);
    assert.deepEqual(changes, { added: ["lib/new.js"], removed: ["lib/old.js"], modified: ["bootstrap", "index.js"] });
    assert.equal(describeChanges(changes!), "1 added, 2 modified, 1 removed: + lib/new.js, ~ bootstrap, ~ index.js, - lib/old.js");
  });

  it("reports nothing for an unchanged tree and has no opinion without a fingerprint", () => {
    const files = [file("a.js"), file("b/c.js")];
    assert.deepEqual(compareWithFingerprint(fingerprintSource(files), files), { added: [], removed: [], modified: [] });
    assert.equal(compareWithFingerprint(undefined, files), undefined);
    assert.equal(compareWithFingerprint("not a fingerprint", files), undefined);
  });

  it("stays within the budget for a 20,000-file tree and names the changed directories", () => {
    const before = bigTree(400, 50);
    assert.ok(before.length > 20_000);
    const fp = fingerprintSource(before);
    assert.ok(fp.length <= FINGERPRINT_BUDGET, `fingerprint is ${fp.length} characters`);
    const after = before.map((f) => (f.path.startsWith("node_modules/package-number-7/") && f.path.endsWith("module-3-xxx.js") ? file(f.path, "new") : f));
    after.push(file("node_modules/package-number-9/extra.js"));
    const changes = compareWithFingerprint(fp, after)!;
    const named = [...changes.added, ...changes.modified, ...changes.removed];
    assert.ok(named.length >= 1 && named.length <= 2, JSON.stringify(changes));
    assert.ok(named.every((n) => /^node_modules\/package-number-[79]\//.test(n)), JSON.stringify(changes));
    assert.deepEqual(changes.removed, []);
  });

  it("shows the first 20 names, then how many more", () => {
    const before = Array.from({ length: 30 }, (_, i) => file(`f${String(i).padStart(2, "0")}.js`));
    const after = before.map((f) => file(f.path, "changed"));
    const text = describeChanges(compareWithFingerprint(fingerprintSource(before), after)!);
    assert.match(text, /^0 added, 30 modified, 0 removed: /);
    assert.equal((text.match(/~ /g) ?? []).length, MAX_NAMES);
    assert.match(text, /, and 10 more$/);
  });
});
