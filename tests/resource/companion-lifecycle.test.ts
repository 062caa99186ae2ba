/**
 * `Trigger`, `Alias` and `Dependency` lifecycles called directly (as the plugin calls them) against the
 * emulator: an existing trigger/alias is recorded when identical, refused with the fix when not, adopted with
 * `adopt`; a create whose answer is lost (commit-then-drop) is looked up instead of repeated.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as alias from "../../provider/resource/alias/lifecycle";
import * as dependency from "../../provider/resource/dependency/lifecycle";
import * as trigger from "../../provider/resource/trigger/lifecycle";
import { fg, sdkClient } from "../emulator/helpers";
import { configureFor } from "./helpers";

let emu: EmulatorHandle;
let urn: string;
let work: string;

before(async () => {
  process.env.FGS_QUIET = "1";
  emu = await startEmulator({ quiet: true });
  await configureFor(emu);
  urn = (await emu.seedFunction({ func_name: "life-fn" })).func_urn;
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-life-"));
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Checked inputs, as the engine passes them to create. */
async function checked(check: typeof trigger.check, news: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await check({}, news);
  assert.deepEqual(r.failures, []);
  return r.inputs;
}

const writes = () => emu.requests({ writesOnly: true }).filter((r) => r.status > 0 && r.status < 300).map((r) => r.operation);

describe("Trigger create with an existing trigger", () => {
  const timer = (schedule: string, extra: Record<string, unknown> = {}) =>
    checked(trigger.check, { functionUrn: urn, type: "TIMER", eventData: { name: "nightly", schedule_type: "Rate", schedule }, ...extra });

  it("records an identical one, refuses a different one with the fix, adopts it with adopt", async () => {
    const sdk = sdkClient(emu);
    const made = await sdk.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody({
      trigger_type_code: "TIMER", trigger_status: "ACTIVE", event_data: { name: "nightly", schedule_type: "Rate", schedule: "1d" },
    }));
    emu.clearLog();
    const same = await trigger.create(await timer("1d"));
    assert.equal(same.id, made.trigger_id);
    assert.deepEqual(writes(), [], "an identical trigger is recorded without a write");

    await assert.rejects(trigger.create(await timer("2h")), /eventData: .*already exists with other settings.*adopt: true/s);
    const adopted = await trigger.create(await timer("1d", { adopt: true, status: "DISABLED" }));
    assert.equal(adopted.id, made.trigger_id);
    assert.equal(adopted.outs.status, "DISABLED");
    assert.deepEqual(writes(), ["updateTrigger"]);
    await trigger.remove(made.trigger_id, adopted.outs);
  });

  it("a create whose answer is lost is found, not repeated", async () => {
    emu.setFaults("commitDrop=createTrigger:1");
    emu.clearLog();
    const created = await trigger.create(await timer("5m"));
    emu.setFaults(null);
    const list = await sdkClient(emu).listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(urn));
    assert.deepEqual([...list].map((t: { trigger_id: string }) => t.trigger_id), [created.id]);
    assert.equal(emu.requests({ operation: "createTrigger" }).length, 1);
    await trigger.remove(created.id, created.outs);
  });
});

describe("Alias create with an existing alias", () => {
  it("refuses one pointing elsewhere, adopts it with one PUT, recovers a lost create", async () => {
    const sdk = sdkClient(emu);
    await sdk.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(new fg.CreateFunctionVersionRequestBody().withVersion("v1")));
    await sdk.createVersionAlias(new fg.CreateVersionAliasRequest().withFunctionUrn(urn).withBody(new fg.CreateVersionAliasRequestBody().withName("prod").withVersion("latest")));
    const inputs = await checked(alias.check, { functionUrn: urn, name: "prod", version: "v1" });
    await assert.rejects(alias.create(inputs), /name: the function already has an alias 'prod' pointing elsewhere.*adopt: true/s);
    emu.clearLog();
    const adopted = await alias.create({ ...inputs, adopt: true });
    assert.equal(adopted.id, `${urn}:!prod`);
    assert.deepEqual(writes(), ["updateAlias"]);
    assert.equal((await sdk.showVersionAlias(new fg.ShowVersionAliasRequest().withFunctionUrn(urn).withAliasName("prod"))).version, "v1");

    emu.setFaults("commitDrop=createAlias:1");
    const lost = await alias.create(await checked(alias.check, { functionUrn: urn, name: "canary", version: "v1" }));
    emu.setFaults(null);
    assert.equal(lost.id, `${urn}:!canary`);
    assert.equal(emu.requests({ operation: "createAlias" }).length, 2, "one refused (exists), one dropped after commit; none repeated");
  });
});

describe("Dependency create", () => {
  it("a create whose answer is lost is found by its content, not repeated", async () => {
    const dir = path.join(work, "layer");
    fs.mkdirSync(path.join(dir, "nodejs/node_modules/x"), { recursive: true });
    fs.writeFileSync(path.join(dir, "nodejs/node_modules/x/index.js"), "module.exports = 'x';\n");
    const inputs = await checked(dependency.check, { sourceDir: dir, runtime: "Node.js18.15", name: "lost-lib" });
    emu.setFaults("commitDrop=createDependencyVersion:1");
    emu.clearLog();
    const made = await dependency.create(inputs);
    emu.setFaults(null);
    assert.equal(made.outs.version, 1);
    assert.equal(emu.requests({ operation: "createDependencyVersion" }).length, 1);
    const versions = await sdkClient(emu).listDependencyVersion(new fg.ListDependencyVersionRequest().withDependId(String(made.outs.dependencyId)));
    assert.deepEqual(versions.dependencies.map((v: { id: string }) => v.id), [made.id]);
    await dependency.remove(made.id, made.outs);
    assert.deepEqual(writes().slice(-1), ["deleteDependencyVersion"]);
  });
});

describe("an endpoint nobody listens on", () => {
  it("fails the alias's version check and the trigger's and alias's drift checks, naming the endpoint (no 'check skipped')", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const closed = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
    const unreachable = (e: Error & { code?: string }) => e.code === "FGS_NETWORK" && e.message.startsWith(`cannot reach ${closed}: connection refused (ECONNREFUSED)`);
    await assert.rejects(alias.check({}, { functionUrn: urn, name: "gone", version: "v1", endpoint: closed }), unreachable);
    const olds = { functionUrn: urn, name: "prod", version: "v1", region: emu.region, projectId: emu.projectId };
    await assert.rejects(alias.diff(`${urn}:!prod`, olds, { ...olds, endpoint: closed }), unreachable);
    const timer = { functionUrn: urn, type: "TIMER", eventData: { name: "t", schedule_type: "Rate", schedule: "1m" }, region: emu.region, projectId: emu.projectId };
    await assert.rejects(trigger.diff("trigger-id", timer, { ...timer, endpoint: closed }), unreachable);
  });
});
