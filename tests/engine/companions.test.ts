/**
 * The resources around a function — `Trigger`, `Alias`, `Dependency` — through the engine harness and the real
 * dynamic-provider plugin against one embedded emulator (tests/engine/fixtures/companions). Each scenario
 * asserts the exact write calls in the emulator's request log, and the official SDK reads back what the
 * resources made.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { backendPaths, loadState, runStack, StackRunError, type StackConfig, type StackResult } from "../../harness";
import { emulatorConfig } from "../../bin/commands/demo";
import { fg, sdkClient } from "../emulator/helpers";
import { REPO_ROOT } from "./fixtureStack";

const PROGRAM = path.join(__dirname, "fixtures/companions/index.js");

/** Successful write operations in the request log since the last clear, in order. */
function writes(emu: EmulatorHandle): string[] {
  return emu.requests({ writesOnly: true }).filter((e) => e.status > 0 && e.status < 300).map((e) => e.operation);
}

/** A stack of the companions program with its own state file and `c:*` settings. */
class CompanionStack {
  readonly backendDir: string;
  readonly stateFile: string;
  readonly settings: Record<string, string | number | boolean> = {};
  readonly output: string[] = [];

  constructor(root: string, private readonly base: StackConfig, readonly sourceDir: string) {
    this.backendDir = path.join(root, "backend");
    this.stateFile = backendPaths(this.backendDir, "companions", "dev").checkpoint;
  }

  run(operation: "preview" | "up" | "refresh" | "destroy"): Promise<StackResult> {
    const config: StackConfig = { ...this.base, "c:sourceDir": { value: this.sourceDir } };
    for (const [k, v] of Object.entries(this.settings)) config[`c:${k}`] = { value: String(v), secret: k.toLowerCase().includes("password") };
    return runStack({
      operation, program: PROGRAM, project: "companions", stack: "dev", backendDir: this.backendDir, config,
      pluginCwd: REPO_ROOT, onOutput: (line) => this.output.push(line),
    });
  }

  async fail(operation: "preview" | "up"): Promise<StackRunError> {
    const err = await this.run(operation).then(() => assert.fail(`${operation} should have failed`), (e: unknown) => e);
    assert.ok(err instanceof StackRunError, `expected a StackRunError, got ${String(err)}`);
    return err;
  }

  /** Resources of a type in the stack's checkpoint. */
  resources(type: string): { id: string; outputs: Record<string, unknown> }[] {
    return loadState(this.stateFile, "companions", "dev").resources.filter((r) => r.type.endsWith(`functiongraph:${type}`));
  }
}

function writeApp(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

test("Trigger: create, no-op, status in place, replace on a new schedule, drift, bad input, destroy", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-comp-"));
  const emu = await startEmulator({ quiet: true });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const app = path.join(root, "app");
  writeApp(app, { "index.js": "exports.handler = async () => 'tick';\n" });
  const s = new CompanionStack(root, emulatorConfig(emu), app);
  const sdk = sdkClient(emu);
  s.settings.timer = true;

  await t.test("first up: import, then one createTrigger; the SDK reads the trigger back", async () => {
    const up = await s.run("up");
    assert.equal(up.counts.create, 2);
    assert.deepEqual(writes(emu), ["import", "createTrigger"]);
    const urn = String(up.outputs.funcUrn);
    const [trigger] = await sdk.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(urn));
    assert.equal(trigger.trigger_id, up.outputs.triggerId);
    assert.equal(trigger.trigger_status, "ACTIVE");
    assert.deepEqual(trigger.event_data, { name: "tick", schedule_type: "Rate", schedule: "5m", user_event: "hello" });
    const [res] = s.resources("Trigger");
    assert.equal(res.id, trigger.trigger_id);
    assert.equal(res.outputs.createdTime, trigger.created_time);
  });

  await t.test("a second up and a preview make no write call", async () => {
    emu.clearLog();
    const up = await s.run("up");
    assert.deepEqual([up.counts.same, up.counts.update, up.counts.replace], [2, 0, 0]);
    await s.run("preview");
    assert.deepEqual(writes(emu), []);
    assert.ok(emu.requests({ operation: "showTrigger" }).length >= 2, "the drift check read the trigger");
  });

  await t.test("a status change is one PUT (updateTrigger), same id", async () => {
    const before = s.resources("Trigger")[0].id;
    s.settings.timerStatus = "DISABLED";
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateTrigger"]);
    assert.equal(up.outputs.triggerStatus, "DISABLED");
    assert.equal(s.resources("Trigger")[0].id, before);
    const shown = await sdk.showFunctionTrigger(new fg.ShowFunctionTriggerRequest().withFunctionUrn(up.outputs.funcUrn).withTriggerTypeCode("TIMER").withTriggerId(before));
    assert.equal(shown.trigger_status, "DISABLED");
  });

  await t.test("a new schedule replaces the trigger: delete first, then create", async () => {
    s.settings.scheduleType = "Cron";
    s.settings.schedule = "0 0 9 ? * MON-FRI";
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.replace, 1);
    assert.deepEqual(writes(emu), ["deleteTrigger", "createTrigger"]);
    const list = await sdk.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(up.outputs.funcUrn));
    assert.deepEqual([...list].map((x: { trigger_id: string; event_data: { schedule: string } }) => [x.trigger_id, x.event_data.schedule]),
      [[up.outputs.triggerId, "0 0 9 ? * MON-FRI"]]);
  });

  await t.test("drift: a status changed outside Pulumi shows in the preview and up restores it with one PUT", async () => {
    const urn = String(s.resources("Function")[0].outputs.funcUrn);
    const id = s.resources("Trigger")[0].id;
    await sdk.updateTrigger(new fg.UpdateTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(id)
      .withBody(new fg.UpdateTriggerRequestBody().withTriggerStatus("ACTIVE")));
    emu.clearLog();
    const preview = await s.run("preview");
    assert.equal(preview.counts.update, 1);
    const refresh = await s.run("refresh");
    assert.equal(refresh.ok, true);
    assert.equal(s.resources("Trigger")[0].outputs.status, "ACTIVE", "refresh records the live status");
    const up = await s.run("up");
    assert.equal(up.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateTrigger"]);
    const shown = await sdk.showFunctionTrigger(new fg.ShowFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(id));
    assert.equal(shown.trigger_status, "DISABLED");
  });

  await t.test("a trigger deleted outside Pulumi is re-created", async () => {
    const urn = String(s.resources("Function")[0].outputs.funcUrn);
    await sdk.batchDeleteFunctionTriggers(new fg.BatchDeleteFunctionTriggersRequest().withFunctionUrn(urn));
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.replace, 1);
    assert.deepEqual(writes(emu), ["createTrigger"]);
  });

  await t.test("a bad schedule fails the preview naming the property, with no call", async () => {
    s.settings.schedule = "0 0 25 * * ?";
    emu.clearLog();
    const err = await s.fail("preview");
    assert.match(err.message, /eventData/);
    assert.match(err.message, /schedule: '25' is out of range for the hours field \(0-23\)/);
    assert.deepEqual(writes(emu), []);
    s.settings.schedule = "0 0 9 ? * MON-FRI";
  });

  await t.test("destroy deletes the trigger, then the function", async () => {
    emu.clearLog();
    const down = await s.run("destroy");
    assert.equal(down.counts.delete, 2);
    assert.deepEqual(writes(emu), ["deleteTrigger", "delete"]);
    assert.deepEqual(emu.functions(), []);
  });
});

test("Alias: follows published versions, canary weights and description with one PUT each, drift, bad input, destroy", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-comp-"));
  const emu = await startEmulator({ quiet: true });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const app = path.join(root, "app");
  writeApp(app, { "index.js": "exports.handler = async () => 'one';\n" });
  const s = new CompanionStack(root, emulatorConfig(emu), app);
  const sdk = sdkClient(emu);
  s.settings.publish = true;
  s.settings.alias = true;
  let v1 = "";
  let aliasUrn = "";
  const showAlias = (urn: string) => sdk.showVersionAlias(new fg.ShowVersionAliasRequest().withFunctionUrn(urn).withAliasName("live"));

  await t.test("first up: import, publish, createAlias pointing at the published version", async () => {
    const up = await s.run("up");
    assert.deepEqual(writes(emu), ["import", "publishVersion", "createAlias"]);
    v1 = String(up.outputs.version);
    assert.notEqual(v1, "latest");
    aliasUrn = String(up.outputs.aliasUrn);
    assert.equal(aliasUrn, `${up.outputs.funcUrn}:!live`);
    const live = await showAlias(String(up.outputs.funcUrn));
    assert.equal(live.version, v1);
    assert.equal(s.resources("Alias")[0].id, aliasUrn);
  });

  await t.test("no-op up: no write", async () => {
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.same, 2);
    assert.deepEqual(writes(emu), []);
  });

  await t.test("new code: the alias is re-pointed at the new version with one PUT, same alias", async () => {
    fs.writeFileSync(path.join(app, "index.js"), "exports.handler = async () => 'two';\n");
    await new Promise((r) => setTimeout(r, 1100)); // the automatic version name has one-second resolution
    emu.clearLog();
    const up = await s.run("up");
    assert.deepEqual(writes(emu), ["updateCode", "publishVersion", "updateAlias"]);
    assert.notEqual(up.outputs.version, v1);
    assert.equal(up.outputs.aliasVersion, up.outputs.version);
    assert.equal(up.outputs.aliasUrn, aliasUrn);
    assert.equal((await showAlias(String(up.outputs.funcUrn))).version, up.outputs.version);
  });

  await t.test("a canary weight, then a description: one PUT each", async () => {
    s.settings.aliasWeights = JSON.stringify({ [v1]: 10 });
    emu.clearLog();
    const canary = await s.run("up");
    assert.equal(canary.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateAlias"]);
    assert.deepEqual((await showAlias(String(canary.outputs.funcUrn))).additional_version_weights, { [v1]: 10 });
    s.settings.aliasDescription = "10% on the old version";
    emu.clearLog();
    await s.run("up");
    assert.deepEqual(writes(emu), ["updateAlias"]);
    assert.equal((await showAlias(String(canary.outputs.funcUrn))).description, "10% on the old version");
  });

  await t.test("drift: routing changed outside Pulumi is restored with one PUT", async () => {
    const urn = String(s.resources("Function")[0].outputs.funcUrn);
    await sdk.updateVersionAlias(new fg.UpdateVersionAliasRequest().withFunctionUrn(urn).withAliasName("live")
      .withBody(new fg.UpdateVersionAliasRequestBody().withVersion(v1)));
    emu.clearLog();
    const preview = await s.run("preview");
    assert.equal(preview.counts.update, 1);
    const up = await s.run("up");
    assert.deepEqual(writes(emu), ["updateAlias"]);
    const live = await showAlias(urn);
    assert.equal(live.version, up.outputs.aliasVersion);
    assert.deepEqual(live.additional_version_weights, { [v1]: 10 });
  });

  await t.test("bad routing fails the preview naming the property, with no write", async () => {
    s.settings.aliasWeights = JSON.stringify({ [v1]: 120 });
    emu.clearLog();
    const heavy = await s.fail("preview");
    assert.match(heavy.message, /additionalVersionWeights/);
    assert.match(heavy.message, /1-100/);
    s.settings.aliasWeights = JSON.stringify({ [v1]: 10 });
    s.settings.aliasVersion = "v-missing";
    const missing = await s.fail("preview");
    assert.match(missing.message, /version: the function has no version 'v-missing'/);
    assert.deepEqual(writes(emu), []);
    delete s.settings.aliasVersion;
  });

  await t.test("destroy deletes the alias, then the function", async () => {
    emu.clearLog();
    await s.run("destroy");
    assert.deepEqual(writes(emu), ["deleteAlias", "delete"]);
  });
});

test("Dependency: one version per content, no call when unchanged, old versions deleted unless used, drift, destroy", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-comp-"));
  const emu = await startEmulator({ quiet: true });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const app = path.join(root, "app");
  writeApp(app, { "index.js": "exports.handler = async () => require('lib');\n" });
  const lib = path.join(root, "lib");
  writeApp(path.join(lib, "nodejs/node_modules/lib"), { "index.js": "module.exports = 1;\n" });
  const s = new CompanionStack(root, emulatorConfig(emu), app);
  const sdk = sdkClient(emu);
  s.settings.depDir = lib;
  const show = (depId: string, version: number) => sdk.showDependencyVersion(new fg.ShowDependencyVersionRequest().withDependId(depId).withVersion(String(version)));
  let first: StackResult;

  await t.test("first up creates version 1; the SDK reads it back", async () => {
    first = await s.run("up");
    assert.deepEqual(writes(emu).sort(), ["createDependencyVersion", "import"]);
    assert.equal(first.outputs.depVersion, 1);
    const live = await show(String(first.outputs.depDependencyId), 1);
    assert.equal(live.id, first.outputs.depId);
    assert.equal(live.etag, first.outputs.depEtag);
    assert.equal(live.size, first.outputs.depSize);
    assert.equal(s.resources("Dependency")[0].id, live.id);
  });

  await t.test("an unchanged stack makes no write call", async () => {
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.same, 2);
    assert.deepEqual(writes(emu), []);
  });

  await t.test("changed content: a new version, then the old one is deleted", async () => {
    fs.writeFileSync(path.join(lib, "nodejs/node_modules/lib/index.js"), "module.exports = 2;\n");
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.replace, 1);
    assert.deepEqual(writes(emu), ["createDependencyVersion", "deleteDependencyVersion"]);
    assert.equal(up.outputs.depVersion, 2);
    assert.notEqual(up.outputs.depId, first.outputs.depId);
    const versions = await sdk.listDependencyVersion(new fg.ListDependencyVersionRequest().withDependId(String(up.outputs.depDependencyId)));
    assert.deepEqual(versions.dependencies.map((v: { version: number }) => v.version), [2]);
  });

  await t.test("a version a function uses is kept when replaced", async () => {
    // Another function, not managed by this stack, uses v2 (this stack's own function manages its dependencies:
    // attaching one to it outside Pulumi would be drift, repaired by the next up).
    const other = await emu.seedFunction({ func_name: "other-fn", runtime: "Node.js18.15", handler: "index.handler" });
    const v2 = String(s.resources("Dependency")[0].id);
    await sdk.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(other.func_urn).withBody(
      new fg.UpdateFunctionCodeRequestBody().withCodeType("zip").withCodeFilename("code.zip")
        .withFuncCode(new fg.FuncCode().withFile(emu.code(other.func_urn)!.toString("base64"))).withDependVersionList([v2])));
    s.settings.depDescription = "v3";
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.replace, 1);
    assert.deepEqual(writes(emu), ["createDependencyVersion"]);
    assert.equal(up.outputs.depVersion, 3);
    assert.equal((await show(String(up.outputs.depDependencyId), 2)).id, v2, "the used version is still there");
    assert.ok(s.output.some((l) => /version 2: kept, still used by other-fn/.test(l)));
  });

  await t.test("a version deleted outside Pulumi is created again", async () => {
    const [res] = s.resources("Dependency");
    await sdk.deleteDependencyVersion(new fg.DeleteDependencyVersionRequest().withDependId(String(res.outputs.dependencyId)).withVersion("3"));
    emu.clearLog();
    const preview = await s.run("preview");
    assert.equal(preview.counts.replace, 1);
    const up = await s.run("up");
    assert.deepEqual(writes(emu), ["createDependencyVersion"], "the old (absent) version is not deleted");
    assert.equal(up.outputs.depVersion, 4, "version numbers are not reused");
  });

  await t.test("a missing sourceDir fails the preview naming it", async () => {
    s.settings.depDir = path.join(root, "nowhere");
    const err = await s.fail("preview");
    assert.match(err.message, /sourceDir/);
    s.settings.depDir = lib;
  });

  await t.test("destroy deletes the version and the function", async () => {
    emu.clearLog();
    await s.run("destroy");
    assert.deepEqual(writes(emu).sort(), ["delete", "deleteDependencyVersion"]);
  });
});

test("Trigger: a password in the event data reaches the service but never the state file", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-comp-"));
  const emu = await startEmulator({ quiet: true });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const app = path.join(root, "app");
  writeApp(app, { "index.js": "exports.handler = async () => 'kafka';\n" });
  const s = new CompanionStack(root, emulatorConfig(emu), app);
  const password = "kafka-Pa55-do-not-store";
  s.settings.kafkaPassword = password;
  const up = await s.run("up");
  assert.deepEqual(writes(emu), ["import", "createTrigger"]);
  assert.ok(up.secretOutputs.includes("kafkaEventData"), "the event data holding a password is secret");
  assert.equal((up.outputs.kafkaEventData as Record<string, unknown>).kafka_password, password);
  assert.equal("kafka_password" in (up.outputs.kafkaLive as Record<string, unknown>), false);
  const text = fs.readFileSync(s.stateFile, "utf8");
  assert.equal(text.includes(password), false, "the state file holds the password in clear text");
  assert.equal(s.output.join("\n").includes(password), false);
  emu.clearLog();
  const again = await s.run("up");
  assert.equal(again.counts.same, 2);
  assert.deepEqual(writes(emu), []);
  await s.run("destroy");
});
