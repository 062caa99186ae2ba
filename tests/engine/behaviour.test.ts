/**
 * Harness behaviours beyond the lifecycle: config and secrets flow, partial creates, a reused plugin, the
 * wrong-directory message, program failures, and the .ts program run through ts-node.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { backendPaths, HarnessError, loadState, runStack, startPlugin, StackRunError } from "../../harness";
import { FixtureStack, REPO_ROOT, SECRET_TOKEN, TS_PROGRAM } from "./fixtureStack";

test("config reaches configure() in the plugin and the program; secrets never reach the state file", async (t) => {
  const s = new FixtureStack();
  t.after(() => s.dispose());
  const r = await s.run("up");
  const seen = JSON.parse(fs.readFileSync(path.join(s.dir, "configured.json"), "utf8"));
  assert.deepEqual(seen, { token: SECRET_TOKEN, greeting: "hello from config" }); // namespaced; project key via get("greeting")
  assert.equal(r.outputs.tokenLength, SECRET_TOKEN.length); // the program read the secret through PULUMI_CONFIG
  assert.deepEqual(r.secretOutputs, ["tokenLength"]);
  assert.match(r.summary, /tokenLength: \[secret\]/);
  assert.equal(s.stateText().includes(SECRET_TOKEN), false);
  assert.equal(r.summary.includes(SECRET_TOKEN), false);
  assert.equal(s.output.join("\n").includes(SECRET_TOKEN), false);
});

test("secret inputs and additionalSecretOutputs are secret for the program and encrypted in the state file", async (t) => {
  const s = new FixtureStack();
  t.after(() => s.dispose());
  const r = await s.run("up", { secretContent: true, secretDigest: true });
  assert.equal(fs.readFileSync(path.join(s.dir, "doc.txt"), "utf8"), SECRET_TOKEN); // the provider got the plain value
  assert.equal(r.outputs.content, SECRET_TOKEN);
  assert.deepEqual(r.secretOutputs.sort(), ["content", "digest", "tokenLength"]);
  const text = s.stateText();
  assert.equal(text.includes(SECRET_TOKEN), false);
  assert.equal(text.includes(String(r.outputs.digest)), false);
  assert.match(text, /"ciphertext"/);
  // No passphrase given: a random one, kept beside the backend for the CLI (PULUMI_CONFIG_PASSPHRASE_FILE).
  assert.equal(fs.statSync(path.join(s.backendDir, "passphrase")).mode & 0o777, 0o600);
  assert.equal(JSON.parse(text).checkpoint.latest.secrets_providers.type, "passphrase");
  s.takeCalls();
  const again = await s.run("up", { secretContent: true, secretDigest: true });
  assert.deepEqual(s.takeCalls(), ["configure", "check", "diff"]); // the decrypted olds diff equal
  assert.equal(again.counts.same, 1);
});

test("a partial create keeps the id in state and the next run updates it instead of creating", async (t) => {
  const s = new FixtureStack();
  s.plugin = await startPlugin({ cwd: REPO_ROOT, project: "fixture", onOutput: () => {} });
  t.after(async () => {
    await s.plugin?.close();
    s.dispose();
  });
  const failed = await s.run("up", { failAfterCreate: true }).then(
    () => assert.fail("up should fail"),
    (e: unknown) => e,
  );
  assert.ok(failed instanceof StackRunError);
  assert.match(failed.message, /created but failed to start/);
  assert.equal(failed.result.steps[0].op, "create");
  const [entry] = loadState(s.stateFile, "fixture", "dev").resources;
  assert.equal(entry.id, "doc.txt");
  assert.deepEqual(entry.initErrors, ["failed to start"]);
  assert.equal(entry.outputs.path, path.join(s.dir, "doc.txt"));
  assert.deepEqual(s.takeCalls(), ["configure", "check", "create"]);

  const r = await s.run("up", { failAfterCreate: false });
  // Same plugin process: the provider is already configured; Diff sees no change but the init error forces Update.
  assert.deepEqual(s.takeCalls(), ["check", "diff", "update"]);
  assert.deepEqual(r.steps.map((x) => x.op), ["update"]);
  assert.equal(loadState(s.stateFile, "fixture", "dev").resources[0].initErrors, undefined);
});

test("a plugin started where @pulumi/pulumi cannot be resolved fails with a clear message", async (t) => {
  const s = new FixtureStack();
  s.pluginCwd = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-nowhere-"));
  t.after(() => {
    fs.rmSync(s.pluginCwd, { recursive: true, force: true });
    s.dispose();
  });
  await assert.rejects(s.run("up"), (e: unknown) => {
    assert.ok(e instanceof HarnessError);
    assert.match(e.message, /run from the project directory/);
    assert.match(e.message, /npm install/);
    assert.ok(e.message.includes(s.pluginCwd));
    assert.doesNotMatch(e.message, /\n\s+at /);
    return true;
  });
  assert.equal(fs.existsSync(s.stateFile), false);
});

test("a failing program fails the run with its message and changes nothing", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-noconfig-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const stateFile = backendPaths(root, "fixture", "dev").checkpoint;
  await assert.rejects(
    runStack({ operation: "up", program: TS_PROGRAM, project: "fixture", backendDir: root, pluginCwd: REPO_ROOT, onOutput: () => {} }),
    (e: unknown) => e instanceof StackRunError && /the program failed: .*files:dir/.test(e.message),
  );
  assert.equal(fs.existsSync(stateFile), false);
});

test("the TypeScript program runs through ts-node and its provider serializes", async (t) => {
  const s = new FixtureStack();
  s.program = TS_PROGRAM;
  t.after(() => s.dispose());
  const r = await s.run("up", { content: "from ts" });
  assert.deepEqual(s.takeCalls(), ["configure", "check", "create"]);
  assert.equal(fs.readFileSync(path.join(s.dir, "doc.txt"), "utf8"), "from ts");
  assert.equal(r.outputs.docId, "doc.txt");
  assert.match(loadState(s.stateFile, "fixture", "dev").resources[0].provider, /exports\.handler/);
});
