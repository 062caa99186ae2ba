/**
 * The harness against the real dynamic-provider plugin, through a whole stack lifecycle of the files fixture:
 * create → no-change re-run → update → replace (delete-before-replace and create-before-delete) → removal →
 * refresh sees an out-of-band deletion → destroy; preview creates nothing and sends unknowns as the sentinel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadState, startPlugin, UNKNOWN } from "../../harness";
import { FixtureStack, REPO_ROOT } from "./fixtureStack";

const URN = "urn:pulumi:dev::fixture::pulumi-nodejs:dynamic/fixture:File::doc";

test("a stack lifecycle drives the real plugin like the engine", async (t) => {
  const s = new FixtureStack();
  // One plugin process for the whole lifecycle (faster; the per-run default is covered in behaviour.test.ts):
  // the provider is deserialized and configured once, so only the first run logs "configure".
  s.plugin = await startPlugin({ cwd: REPO_ROOT, project: "fixture", onOutput: () => {} });
  t.after(async () => {
    await s.plugin?.close();
    s.dispose();
  });

  await t.test("fresh preview: Check only, unknown inputs arrive as the sentinel, nothing is written", async () => {
    const r = await s.run("preview", { withCopy: true });
    const checks = s.callLog().filter((c) => c.method === "check");
    assert.deepEqual(checks.map((c) => [c.fileName, c.contentUnknown]), [["doc.txt", false], ["copy.txt", true]]);
    assert.deepEqual(s.takeCalls(), ["configure", "check", "check"]);
    assert.deepEqual(r.steps.map((x) => x.op), ["create", "create"]);
    assert.equal(r.outputs.digest, UNKNOWN);
    assert.deepEqual(r.unknownOutputs.sort(), ["copyDigest", "digest", "docId", "path"]);
    assert.equal(fs.existsSync(s.stateFile), false);
    assert.equal(fs.existsSync(path.join(s.dir, "doc.txt")), false);
    const configured = fs.readFileSync(path.join(s.dir, "configured.json"), "utf8"); // configure ran in the plugin
    assert.match(configured, /hello from config/);
  });

  await t.test("up creates and the program receives the real outputs", async () => {
    const r = await s.run("up");
    assert.deepEqual(s.takeCalls(), ["check", "create"]);
    assert.deepEqual(r.steps, [{ urn: URN, op: "create", changedKeys: ["content", "dir", "failAfterCreate", "fileName", "flavor"], detail: { changedFiles: "doc.txt (new)" } }]);
    assert.equal(r.outputs.docId, "doc.txt");
    assert.equal(r.outputs.digest, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"); // sha256("hello")
    assert.equal(fs.readFileSync(path.join(s.dir, "doc.txt"), "utf8"), "hello");
    assert.match(r.summary, /\+ {2}create +pulumi-nodejs:dynamic\/fixture:File +doc/);
    assert.match(r.summary, /changedFiles: doc\.txt \(new\)/);
    const state = loadState(s.stateFile, "fixture", "dev");
    assert.equal(state.resources.length, 1);
    assert.equal(state.resources[0].id, "doc.txt");
    assert.match(state.resources[0].provider, /exports\.handler/);
  });

  await t.test("a second up diffs against the state: no Create, no Update", async () => {
    const r = await s.run("up");
    assert.deepEqual(s.takeCalls(), ["check", "diff"]);
    assert.deepEqual(r.calls.map((c) => c.method), ["Configure", "Check", "Diff"]); // Configure is sent every run
    assert.equal(r.counts.same, 1);
    assert.match(r.summary, /1 unchanged/);
  });

  await t.test("changing an input updates in place and names the changed property", async () => {
    const r = await s.run("up", { content: "bye" });
    assert.deepEqual(s.takeCalls(), ["check", "diff", "update"]);
    assert.deepEqual(r.steps.map((x) => [x.op, x.changedKeys]), [["update", ["content"]]]);
    assert.match(r.summary, /~ {2}update .* doc {2}\[diff: ~content\]/);
    assert.match(r.summary, /changedFiles: doc\.txt \(modified\)/);
    assert.equal(fs.readFileSync(path.join(s.dir, "doc.txt"), "utf8"), "bye");
  });

  await t.test("a replace with deleteBeforeReplace deletes first", async () => {
    const r = await s.run("up", { content: "bye", flavor: "fancy" });
    assert.deepEqual(s.takeCalls(), ["check", "diff", "delete", "create"]);
    assert.deepEqual(r.steps.map((x) => [x.op, x.changedKeys]), [["replace", ["flavor"]]]);
    assert.match(r.summary, /\+- replace/);
  });

  await t.test("a create-before-delete replace deletes the old one at the end", async () => {
    const r = await s.run("up", { content: "bye", flavor: "fancy", fileName: "renamed.txt" });
    assert.deepEqual(s.takeCalls(), ["check", "diff", "create", "delete"]);
    assert.equal(r.counts.replace, 1);
    assert.equal(fs.existsSync(path.join(s.dir, "doc.txt")), false);
    assert.equal(fs.readFileSync(path.join(s.dir, "renamed.txt"), "utf8"), "bye");
    assert.deepEqual(loadState(s.stateFile, "fixture", "dev").resources.map((x) => [x.id, x.pendingDelete]), [["renamed.txt", undefined]]);
  });

  const keep = { content: "bye", flavor: "fancy", fileName: "renamed.txt" };

  await t.test("a resource the program no longer registers is deleted at the end of up", async () => {
    await s.run("up", { ...keep, withCopy: true });
    assert.deepEqual(s.takeCalls(), ["check", "diff", "check", "create"]);
    assert.equal(fs.existsSync(path.join(s.dir, "copy.txt")), true);
    const r = await s.run("up", keep);
    assert.deepEqual(s.takeCalls(), ["check", "diff", "delete"]);
    assert.deepEqual(r.steps.map((x) => x.op), ["same", "delete"]);
    assert.equal(fs.existsSync(path.join(s.dir, "copy.txt")), false);
  });

  await t.test("refresh reads each resource and drops the ones that are gone", async () => {
    fs.rmSync(path.join(s.dir, "renamed.txt"));
    const r = await s.run("refresh");
    assert.deepEqual(s.takeCalls(), ["read"]);
    assert.deepEqual(r.steps.map((x) => x.op), ["delete"]);
    assert.equal(loadState(s.stateFile, "fixture", "dev").resources.length, 0);
  });

  await t.test("destroy deletes everything in reverse order and empties the state", async () => {
    await s.run("up", { ...keep, withCopy: true });
    s.takeCalls();
    const r = await s.run("destroy");
    assert.deepEqual(s.takeCalls(), ["delete", "delete"]);
    assert.deepEqual(r.steps.map((x) => x.urn.split("::").pop()), ["copy", "doc"]);
    assert.equal(loadState(s.stateFile, "fixture", "dev").resources.length, 0);
    assert.deepEqual(fs.readdirSync(s.dir).sort(), ["configured.json"]);
  });
});
