/**
 * `check` of a new function (the engine passes no previous inputs): it lists the source and runs the preflight
 * without reading or hashing a file's content; the create records the hash its packaging computed from the
 * bytes it read; the next preview and `up` of the unchanged source see no change and write nothing. An existing
 * function's check (an update or a replacement: previous inputs) still hashes.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as lifecycle from "../../provider/resource/lifecycle";
import { hashSource } from "../../provider/package";
import { checkedInputs, configureFor, freshRunnerFixture, withProgress, writeTree } from "./helpers";

const fx = freshRunnerFixture("fgs-check-");

const FILES = { "index.js": "exports.handler = async () => 1;\n", "lib/a.js": "module.exports = 'a';\n" };
const args = (dir: string, extra: Record<string, unknown> = {}) => ({ sourceDir: dir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-new", ...extra });
const writes = () => fx.emu.requests({ writesOnly: true }).map((r) => r.operation);
/** The tree's true hash: read now, no cache. */
const trueSha = async (dir: string) => (await hashSource(dir)).sourceSha512;

describe("a new function's check lists its source, it does not hash it", () => {
  it("leaves sourceSha512 and the fingerprint to the create, reads no content (no digest recorded), keeps the counts", async () => {
    const dir = writeTree(fx.work, "listed", FILES);
    const anHourAgo = new Date(Date.now() - 3600_000); // not racy: the digest cache keeps the files it hashed
    for (const f of Object.keys(FILES)) fs.utimesSync(path.join(dir, f), anHourAgo, anHourAgo);
    const inputs = await checkedInputs({}, args(dir));
    assert.equal(inputs.sourceSha512, undefined);
    assert.equal(inputs.__sourceFingerprint, undefined);
    assert.equal(inputs.sourceChanges, undefined);
    assert.equal(inputs.fileCount, 2);
    assert.equal(inputs.sourceBytes, FILES["index.js"].length + FILES["lib/a.js"].length);
    assert.deepEqual(fs.readdirSync(fx.cacheDir), [], "no file was hashed, so no digest was recorded");

    // The same source as an existing function (its previous inputs given): hashed, and the digests recorded.
    const existing = await checkedInputs(inputs, args(dir));
    assert.equal(existing.sourceSha512, await trueSha(dir));
    assert.equal(typeof existing.__sourceFingerprint, "string");
    assert.notDeepEqual(fs.readdirSync(fx.cacheDir), [], "an existing function's check hashes through the digest cache");
  });

  it("a replacement's check hashes and tells the changed files from the previous inputs' fingerprint", async () => {
    const dir = writeTree(fx.work, "replaced", FILES);
    const old = await checkedInputs(await checkedInputs({}, args(dir)), args(dir));
    fs.writeFileSync(path.join(dir, "lib/b.js"), "b\n");
    const renamed = await checkedInputs(old, args(dir, { funcName: "fn-renamed" }));
    assert.equal(renamed.sourceSha512, await trueSha(dir));
    assert.equal(renamed.sourceChanges, "1 added, 0 modified, 0 removed: + lib/b.js");
  });

  it("the create deploys and records what packaging read, even when a file changed after the check, with no 'changed after the preview' line", async () => {
    const dir = writeTree(fx.work, "swapped", FILES);
    const inputs = await checkedInputs({}, args(dir));
    const before = await trueSha(dir);
    // Same size, other content: nothing the check recorded can tell (it read no content).
    fs.writeFileSync(path.join(dir, "lib/a.js"), "module.exports = 'b';\n");
    const { result, lines } = await withProgress(() => lifecycle.create(inputs));
    const outs = result.outs as Record<string, unknown>;
    const after = await trueSha(dir);
    assert.notEqual(after, before);
    assert.equal(outs.sourceSha512, after, "the recorded hash is of the bytes the create read");
    assert.equal(outs.fileCount, 2);
    assert.deepEqual(lines.filter((l) => /changed after the preview/.test(l)), [], lines.join(" | "));
    assert.match(lines.join("\n"), /packaged 2 files/);
    assert.equal(fx.emu.functions()[0].digest, outs.digest, "what was deployed is the package recorded");
  });

  it("after the create, the unchanged source previews as no change and its up writes nothing; an edit is one PUT code", async () => {
    const dir = writeTree(fx.work, "next", FILES);
    const inputs = await checkedInputs({}, args(dir));
    const created = await lifecycle.create(inputs);
    const outs = created.outs as Record<string, unknown>;
    fx.emu.clearLog();

    // The engine hands the create's check result back as the previous inputs: they have no hash, so it hashes.
    const again = await checkedInputs(inputs, args(dir));
    assert.equal(again.sourceSha512, outs.sourceSha512);
    assert.equal(again.sourceChanges, undefined, "no fingerprint to compare with yet: nothing claimed");
    assert.equal((await lifecycle.diff(created.id, outs, again)).changes, false);
    assert.deepEqual(writes(), [], "a no-change preview and up make zero write calls");

    // The first edit right after the create (the create's inputs still the previous ones): a code change.
    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 22;\n");
    const edited = await checkedInputs(inputs, args(dir));
    const d = await lifecycle.diff(created.id, outs, edited);
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
    const up = await lifecycle.update(created.id, outs, edited);
    assert.deepEqual(writes(), ["updateCode"]);
    assert.equal((up.outs as Record<string, unknown>).sourceSha512, await trueSha(dir));
  });

  it("the staging bucket from stack config is still checked at a new function's preview (no hash to say the source changed)", async () => {
    const dir = writeTree(fx.work, "staged", FILES);
    await fx.emu.obs.createBucket("far-bucket", "ap-southeast-1");
    await configureFor(fx.emu, { "functiongraph:obsEndpoint": fx.emu.obs.url, "functiongraph:codeBucket": "far-bucket" });
    try {
      const res = await lifecycle.check({}, args(dir, { codeStorage: "obs" }));
      const f = (res.failures ?? []).find((x) => x.property === "codeBucket");
      assert.ok(f, JSON.stringify(res.failures));
      assert.match(f.reason, /is in ap-southeast-1.*function's region/);
    } finally {
      await configureFor(fx.emu);
    }
  });
});
