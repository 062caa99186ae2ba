/**
 * The table-driven properties end to end on the provider (as the plugin calls it) against the emulator: every
 * kind of property reaches the service and comes back, each change goes through the narrowest call, an
 * unchanged stack makes no write, drift on a read-back property is reported and repaired, a write-only secret
 * never causes a perpetual diff, and bad values are refused at preview naming the property.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { checkedInputs, configureFor, writeTree } from "./helpers";

let emu: EmulatorHandle;
let work: string;

const writes = () => emu.requests({ writesOnly: true }).map((r) => r.operation);
const urnOf = (name: string) => `urn:fss:${emu.region}:${emu.projectId}:function:default:${name}`;

function args(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sourceDir: dir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-p", ...extra };
}

/** Everything a real function tends to need, at once. */
const FULL = {
  agency: "fgs-vpc-agency",
  appAgency: "fgs-app-agency",
  vpc: { vpcId: "0b5a9d4e-6f1c-4c1a-9f65-8a2c4d3e1f00", subnetId: "7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b" },
  initializerHandler: "index.init",
  initializerTimeout: 30,
  preStopHandler: "index.stop",
  preStopTimeout: 10,
  concurrencyNum: 20,
  maxInstanceNum: 50,
  logGroupId: "a1b2c3d4-0000-4000-8000-000000000001",
  logStreamId: "a1b2c3d4-0000-4000-8000-000000000002",
  encryptedEnvironment: { DB_PASSWORD: "s3cret" },
  dependencies: ["4c3e2b1a-1111-4222-8333-944455556666"],
  tags: { team: "payments", env: "prod" },
  ephemeralStorage: 1024,
  enableDynamicMemory: true,
  domainNames: ["db.internal", "cache.internal"],
  extendConfig: "{\"k\":1}",
};

async function deploy(news: Record<string, unknown>) {
  const inputs = await checkedInputs({}, news);
  const res = await lifecycle.create(inputs);
  return { inputs, id: res.id, outs: res.outs as Record<string, unknown> };
}

/** diff + update (when diff says so) for `news` against a deployed function's outputs; the writes made. */
async function upFrom(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
  const inputs = await checkedInputs(olds, news);
  emu.clearLog();
  const d = await lifecycle.diff(id, olds, inputs);
  const outs = d.changes ? (await lifecycle.update(id, olds, inputs)).outs as Record<string, unknown> : olds;
  return { d, outs, writes: writes() };
}

async function config(name: string): Promise<Record<string, unknown>> {
  const model = emu.functions().find((f) => f.func_name === name);
  assert.ok(model, `${name} exists`);
  return model as unknown as Record<string, unknown>;
}

before(async () => {
  process.env.FGS_QUIET = "1";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-properties-"));
  emu = await startEmulator({ quiet: true });
  await configureFor(emu);
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  await emu.reset();
});

describe("properties reach the service and come back", () => {
  it("create: import, code (dependencies), one config, max instances, tags — then outputs and live model agree", async () => {
    const dir = writeTree(work, "full", { "index.js": "exports.handler = 1; exports.init = 2; exports.stop = 3;\n" });
    const { outs } = await deploy(args(dir, FULL));
    assert.deepEqual(writes(), ["import", "updateCode", "updateConfig", "updateMaxInstance", "createTags"]);
    const live = await config("fn-p");
    assert.equal(live.xrole, "fgs-vpc-agency");
    assert.equal(live.app_xrole, "fgs-app-agency");
    assert.deepEqual(live.func_vpc, { vpc_id: FULL.vpc.vpcId, subnet_id: FULL.vpc.subnetId });
    assert.equal(live.initializer_handler, "index.init");
    assert.equal(live.pre_stop_timeout, 10);
    assert.deepEqual(live.strategy_config, { concurrency: 50, concurrent_num: 20 });
    assert.equal(live.log_group_id, FULL.logGroupId);
    assert.deepEqual(live.depend_version_list, FULL.dependencies);
    assert.equal(live.domain_names, "db.internal,cache.internal");
    assert.equal(live.encrypted_user_data, undefined, "the service never returns encrypted variables");
    // Outputs: read back in argument shape.
    for (const key of ["agency", "vpc", "initializerTimeout", "concurrencyNum", "maxInstanceNum", "logStreamId", "dependencies",
      "tags", "ephemeralStorage", "enableDynamicMemory", "domainNames", "extendConfig"] as const) {
      assert.deepEqual(outs[key], FULL[key], `output ${key}`);
    }
    assert.deepEqual(outs.encryptedEnvironment, FULL.encryptedEnvironment, "recorded from the inputs (a secret output)");
  });

  it("an unchanged stack with every property makes zero writes and shows no diff", async () => {
    const dir = writeTree(work, "same", { "index.js": "exports.handler = 1; exports.init = 2; exports.stop = 3;\n" });
    const first = await deploy(args(dir, FULL));
    const { d, writes: w } = await upFrom(first.id, first.outs, args(dir, FULL));
    assert.equal(d.changes, false, "no perpetual diff (encrypted variables are never returned, yet compare equal)");
    assert.deepEqual(w, []);
  });
});

describe("the narrowest call per change", () => {
  it("tags only → the tags API only (added, changed and removed exactly)", async () => {
    const dir = writeTree(work, "tags", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { tags: { a: "1", b: "2" } }));
    const { d, outs, writes: w } = await upFrom(first.id, first.outs, args(dir, { tags: { a: "1", b: "3", c: "4" } }));
    assert.equal(d.changes, true);
    assert.deepEqual(w, ["createTags"]);
    const removed = await upFrom(first.id, outs, args(dir, { tags: { c: "4" } }));
    assert.deepEqual(removed.writes, ["deleteTags"], "a and b removed, c kept as it is");
    assert.deepEqual(await emuTags("fn-p"), { c: "4" });
    const all = await upFrom(first.id, removed.outs, args(dir));
    assert.deepEqual(all.writes, ["deleteTags"]);
    const left = await emuTags("fn-p");
    assert.deepEqual(left, {});
  });

  it("maxInstanceNum only → the max-instance call only; concurrencyNum only → one PUT config", async () => {
    const dir = writeTree(work, "max", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { maxInstanceNum: 10 }));
    const a = await upFrom(first.id, first.outs, args(dir, { maxInstanceNum: 20 }));
    assert.deepEqual(a.writes, ["updateMaxInstance"]);
    assert.equal(a.outs.maxInstanceNum, 20);
    const b = await upFrom(first.id, a.outs, args(dir, { maxInstanceNum: 20, concurrencyNum: 5 }));
    assert.deepEqual(b.writes, ["updateConfig"]);
    assert.deepEqual((await config("fn-p")).strategy_config, { concurrency: 20, concurrent_num: 5 }, "one call never undoes the other");
  });

  it("dependencies only → PUT code (the only call that carries them), with the same code", async () => {
    const dir = writeTree(work, "deps", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir));
    const a = await upFrom(first.id, first.outs, args(dir, { dependencies: ["dep-version-1"] }));
    assert.deepEqual(a.writes, ["updateCode"]);
    assert.deepEqual((await config("fn-p")).depend_version_list, ["dep-version-1"]);
    assert.equal(a.outs.digest, first.outs.digest);
  });

  it("removing a write-only secret clears it with one PUT config; the value never reaches the model", async () => {
    const dir = writeTree(work, "enc", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { encryptedEnvironment: { K: "v" } }));
    const a = await upFrom(first.id, first.outs, args(dir));
    assert.deepEqual(a.writes, ["updateConfig"]);
    assert.equal(a.outs.encryptedEnvironment, undefined);
    assert.equal((await config("fn-p")).encrypted_user_data, undefined);
    const b = await upFrom(first.id, a.outs, args(dir));
    assert.equal(b.d.changes, false, "cleared, it stays cleared: no perpetual diff");
  });
});

describe("async invocation and reserved instances (their own APIs)", () => {
  const asyncConfig = { maxAsyncRetryAttempts: 1, maxAsyncEventAgeInSeconds: 300, onFailure: { destination: "SMN", param: "{\"topic_urn\":\"t\"}" } };
  it("set at create, unchanged → no write, changed → only their own call, drift repaired", async () => {
    const dir = writeTree(work, "async", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { asyncConfig, reservedInstances: [{ count: 2 }] }));
    assert.deepEqual(writes(), ["import", "updateAsyncConfig", "updateReservedInstances"]);
    const same = await upFrom(first.id, first.outs, args(dir, { asyncConfig, reservedInstances: [{ count: 2 }] }));
    assert.equal(same.d.changes, false);
    assert.deepEqual(same.writes, []);
    const more = await upFrom(first.id, first.outs, args(dir, { asyncConfig: { ...asyncConfig, maxAsyncRetryAttempts: 3 }, reservedInstances: [{ count: 2 }] }));
    assert.deepEqual(more.writes, ["updateAsyncConfig"]);
    const fewer = await upFrom(first.id, more.outs, args(dir, { asyncConfig: { ...asyncConfig, maxAsyncRetryAttempts: 3 }, reservedInstances: [{ count: 1, idleMode: true }] }));
    assert.deepEqual(fewer.writes, ["updateReservedInstances"]);
    // Drift: reserved instances changed outside Pulumi.
    const client = await apiClient();
    await client.updateReservedInstances(`${urnOf("fn-p")}:latest`, { count: 9 });
    const repaired = await upFrom(first.id, fewer.outs, args(dir, { asyncConfig: { ...asyncConfig, maxAsyncRetryAttempts: 3 }, reservedInstances: [{ count: 1, idleMode: true }] }));
    assert.equal(repaired.d.changes, true);
    assert.deepEqual(repaired.writes, ["updateReservedInstances"]);
    assert.deepEqual(await client.listReservedInstances(urnOf("fn-p")), { [`${urnOf("fn-p")}:latest`]: 1 });
  });
});

describe("drift on read-back properties", () => {
  it("an agency changed outside Pulumi is reported and repaired with one PUT config", async () => {
    const dir = writeTree(work, "drift", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { agency: "mine", concurrencyNum: 3 }));
    await emu.modifyConfig(first.id, { xrole: "theirs", strategy_config: { concurrency: -1, concurrent_num: 9 } });
    const { d, outs, writes: w } = await upFrom(first.id, first.outs, args(dir, { agency: "mine", concurrencyNum: 3 }));
    assert.equal(d.changes, true, "drift is a change");
    assert.deepEqual(w, ["updateConfig"]);
    assert.equal(outs.agency, "mine");
    const live = await config("fn-p");
    assert.equal(live.xrole, "mine");
    assert.deepEqual(live.strategy_config, { concurrency: -1, concurrent_num: 3 });
  });

  it("tags changed outside Pulumi are reported and put back", async () => {
    const dir = writeTree(work, "tdrift", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { tags: { a: "1" } }));
    await emuSetTags(first.id, { a: "2", x: "y" });
    const { d, writes: w } = await upFrom(first.id, first.outs, args(dir, { tags: { a: "1" } }));
    assert.equal(d.changes, true);
    assert.deepEqual(w, ["deleteTags", "createTags"]);
    assert.deepEqual(await emuTags("fn-p"), { a: "1" });
  });
});

describe("custom image", () => {
  it("deploys runtime Custom Image without a source directory and reads the image back", async () => {
    const image = { url: "swr.cn-north-4.myhuaweicloud.com/org/app:1.0", command: "/app/start", userId: "1003" };
    const { outs, inputs } = await deploy({ runtime: "Custom Image", handler: "-.-", funcName: "img-fn", customImage: image });
    assert.equal(inputs.sourceDir, undefined);
    assert.deepEqual(outs.customImage, image);
    const live = await config("img-fn");
    assert.deepEqual(live.custom_image, { enabled: true, image: image.url, command: "/app/start", uid: "1003" });
    const again = await checkedInputs(inputs, { runtime: "Custom Image", handler: "-.-", funcName: "img-fn", customImage: image });
    assert.equal((await lifecycle.diff(String(outs.funcUrn), outs, again)).changes, false);
  });
});

describe("refused at preview, naming the property and the fix", () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["VPC without an agency", { vpc: FULL.vpc }, "agency", /required with vpc.*agency/],
    ["customImage with sourceDir", { runtime: "Custom Image", customImage: { url: "swr.x/y:1" } }, "customImage", /remove sourceDir/],
    ["Custom Image without customImage", { runtime: "Custom Image" }, "customImage", /required with runtime 'Custom Image'/],
    ["initializer file missing", { initializerHandler: "boot.init", initializerTimeout: 3 }, "initializerHandler", /needs .*'boot\.js'.*not there/],
    ["initializer without timeout", { initializerHandler: "index.init" }, "initializerTimeout", /required with initializerHandler/],
    ["preStopTimeout out of range", { preStopHandler: "index.s", preStopTimeout: 91 }, "preStopTimeout", /at most 90 seconds/],
    ["concurrencyNum out of range", { concurrencyNum: 0 }, "concurrencyNum", /at least 1 requests/],
    ["maxInstanceNum out of range", { maxInstanceNum: 1001 }, "maxInstanceNum", /at most 1000 instances/],
    ["bad handler format", { heartbeatHandler: "nodot" }, "heartbeatHandler", /'<file>\.<function>'/],
    ["enum", { functionType: "v3" }, "functionType", /'v1' or 'v2'/],
    ["mount type enum", { agency: "a", vpc: FULL.vpc, mounts: [{ mountType: "nfs", mountResource: "r", localMountPath: "/mnt" }] }, "mounts", /'sfsTurbo' or 'ecs'/],
    ["log stream without group", { logStreamId: FULL.logStreamId }, "logGroupId", /set both/],
    ["dependency id", { dependencies: ["not an id!"] }, "dependencies", /dependency version id/],
    ["tag key", { tags: { "a=b": "1" } }, "tags", /tag keys/],
    ["ephemeral storage", { ephemeralStorage: 100 }, "ephemeralStorage", /at least 512 MB/],
    ["async destination enum", { asyncConfig: { onSuccess: { destination: "S3", param: "{}" } } }, "asyncConfig", /'OBS', 'SMN', 'DIS' or 'FunctionGraph'/],
    ["reserved count", { reservedInstances: [{ count: 1001 }] }, "reservedInstances", /0 to 1000 instances/],
    ["reserved qualifier twice", { reservedInstances: [{ count: 1 }, { count: 2, qualifier: "latest" }] }, "reservedInstances", /one entry per version or alias/],
  ];
  for (const [what, extra, property, reason] of cases) {
    it(what, async () => {
      const dir = writeTree(work, "bad", { "index.js": "exports.handler = 1;\n" });
      const res = await lifecycle.check({}, args(dir, extra));
      const own = (res.failures ?? []).filter((f) => f.property === property);
      assert.ok(own.some((f) => reason.test(f.reason)), `${property} refused with ${reason}: ${JSON.stringify(res.failures)}`);
    });
  }
  it("no API call is made by check", async () => {
    const dir = writeTree(work, "bad2", { "index.js": "exports.handler = 1;\n" });
    await lifecycle.check({}, args(dir, { vpc: FULL.vpc }));
    assert.deepEqual(emu.requests(), []);
  });
});

/** A client of the emulator (the provider's own), for the tags API the admin surface does not cover. */
async function apiClient() {
  const { FunctionGraphClient } = await import("../../provider/api/client");
  return new FunctionGraphClient({
    endpoint: emu.url, projectId: emu.projectId, retryBaseDelayMs: 0,
    credentials: { kind: "aksk", accessKey: emu.credentials.accessKey, secretKey: emu.credentials.secretKey },
  });
}

async function emuTags(name: string): Promise<Record<string, string>> {
  return (await apiClient()).listTags(urnOf(name));
}

/** Replaces the live tags out of band (drift). */
async function emuSetTags(urn: string, tags: Record<string, string>): Promise<void> {
  const client = await apiClient();
  const live = await client.listTags(urn);
  if (Object.keys(live).length) await client.deleteTags(urn, Object.keys(live));
  await client.createTags(urn, tags);
}
