/**
 * The emulator accepts, validates, stores, persists and returns the property table's fields as the service
 * does — with the official SDK as the client: update config with every kind of field, the max-instance call,
 * the tags API; the import template's types checked naming the field; what the service never returns
 * (encrypted variables) never returned.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FunctionModelSchema } from "../../provider/api/schemas";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { fg, functionYaml, importPackage, sdkClient, sdkError, sdkImport, signedRequest } from "./helpers";

const VPC = "0b5a9d4e-6f1c-4c1a-9f65-8a2c4d3e1f00";
const SUBNET = "7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b";

function fullBody(name: string) {
  return new fg.UpdateFunctionConfigRequestBody().withFuncName(name).withRuntime("Node.js18.15").withTimeout(30)
    .withHandler("index.handler").withMemorySize(256)
    .withXrole("vpc-agency").withAppXrole("app-agency")
    .withFuncVpc(new fg.FuncVpc(VPC, SUBNET))
    .withStrategyConfig(new fg.StrategyConfig().withConcurrentNum(7))
    .withLogConfig(new fg.FuncLogConfig().withGroupId("lg-1").withStreamId("ls-1").withGroupName("g").withStreamName("s"))
    .withEnableLtsLog(true)
    .withEncryptedUserData(JSON.stringify({ PASSWORD: "never-returned" }))
    .withInitializerHandler("index.init").withInitializerTimeout(20)
    .withPreStopHandler("index.stop").withPreStopTimeout(5)
    .withEphemeralStorage(2048).withEnableDynamicMemory(true).withIsStatefulFunction(true)
    .withDomainNames("a.internal,b.internal").withExtendConfig("{}").withEnterpriseProjectId("0");
}

describe("function properties through the official SDK", () => {
  let emu: EmulatorHandle;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-emu-props-"));
    emu = await startEmulator({ quiet: true, dataDir: dir });
  });
  after(async () => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("update config stores every table field, returns them (never the encrypted variables) and persists them", async () => {
    const client = sdkClient(emu);
    await sdkImport(client, "props-fn", await importPackage("props-fn"));
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:props-fn`;
    const updated = await client.updateFunctionConfig(new fg.UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(fullBody("props-fn")));
    FunctionModelSchema.parse(updated);
    const shown = await client.showFunctionConfig(new fg.ShowFunctionConfigRequest().withFunctionUrn(urn));
    for (const model of [updated, shown]) {
      assert.equal(model.xrole, "vpc-agency");
      assert.equal(model.app_xrole, "app-agency");
      assert.equal(model.func_vpc.vpc_id, VPC);
      assert.equal(model.func_vpc.subnet_id, SUBNET);
      assert.equal(model.strategy_config.concurrent_num, 7);
      assert.equal(model.strategy_config.concurrency, -1);
      assert.equal(model.log_group_id, "lg-1");
      assert.equal(model.log_stream_id, "ls-1");
      assert.equal(model.initializer_timeout, 20);
      assert.equal(model.pre_stop_handler, "index.stop");
      assert.equal(model.ephemeral_storage, 2048);
      assert.equal(model.enable_dynamic_memory, true);
      assert.equal(model.is_stateful_function, true);
      assert.equal(model.domain_names, "a.internal,b.internal");
      assert.ok(!model.encrypted_user_data, "encrypted variables are never returned");
    }
    assert.ok(!JSON.stringify(emu.functions()).includes("never-returned"));

    // Restart on the same data dir: everything is still there.
    await emu.close();
    emu = await startEmulator({ quiet: true, dataDir: dir });
    const again = await sdkClient(emu).showFunctionConfig(new fg.ShowFunctionConfigRequest().withFunctionUrn(urn));
    assert.equal(again.xrole, "vpc-agency");
    assert.equal(again.strategy_config.concurrent_num, 7);
    assert.equal(again.log_group_id, "lg-1");
  });

  it("updateFunctionMaxInstanceConfig sets strategy_config.concurrency without touching concurrent_num", async () => {
    const client = sdkClient(emu);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:props-fn`;
    const res = await client.updateFunctionMaxInstanceConfig(new fg.UpdateFunctionMaxInstanceConfigRequest().withFunctionUrn(urn)
      .withBody(new fg.UpdateFunctionMaxInstanceConfigRequestBody().withMaxInstanceNum(25)));
    assert.equal(res.strategy_config.concurrency, 25);
    assert.equal(res.strategy_config.concurrent_num, 7);
    const bad = await sdkError(client.updateFunctionMaxInstanceConfig(new fg.UpdateFunctionMaxInstanceConfigRequest().withFunctionUrn(urn)
      .withBody(new fg.UpdateFunctionMaxInstanceConfigRequestBody().withMaxInstanceNum(5000))));
    assert.equal(bad.status, 400);
    assert.match(bad.msg, /max_instance_num: .*at most 1000/);
  });

  it("createTags, listFunctionTags, deleteTags: merged and removed exactly, validated", async () => {
    const client = sdkClient(emu);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:props-fn`;
    const kv = (key: string, value?: string) => (value === undefined ? new fg.KvItem().withKey(key) : new fg.KvItem().withKey(key).withValue(value));
    const create = (tags: unknown[]) => client.createTags(new fg.CreateTagsRequest("functions", urn)
      .withBody(new fg.UpdateFunctionTagsRequestBody().withAction("create").withTags(tags)));
    const list = async () => (await client.listFunctionTags(new fg.ListFunctionTagsRequest("functions", urn))).tags;
    await create([kv("team", "a"), kv("env", "prod")]);
    await create([kv("team", "b")]);
    assert.deepEqual(await list(), [{ key: "env", value: "prod" }, { key: "team", value: "b" }]);
    await client.deleteTags(new fg.DeleteTagsRequest("functions", urn)
      .withBody(new fg.UpdateFunctionTagsRequestBody().withAction("delete").withTags([kv("env")])));
    assert.deepEqual(await list(), [{ key: "team", value: "b" }]);
    const bad = await sdkError(create([kv("a=b", "x")]));
    assert.equal(bad.status, 400);
    assert.match(bad.msg, /tag keys/);
    const tooMany = await sdkError(create(Array.from({ length: 20 }, (_, i) => kv(`k${i}`, "v"))));
    assert.match(tooMany.msg, /at most 20 tags/);
    // Persisted with the function.
    await emu.close();
    emu = await startEmulator({ quiet: true, dataDir: dir });
    assert.deepEqual((await sdkClient(emu).listFunctionTags(new fg.ListFunctionTagsRequest("functions", urn))).tags, [{ key: "team", value: "b" }]);
  });

  it("updateFunctionAsyncInvokeConfig / showFunctionAsyncInvokeConfig: stored, validated, persisted", async () => {
    const client = sdkClient(emu);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:props-fn`;
    const show = () => client.showFunctionAsyncInvokeConfig(new fg.ShowFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn));
    assert.equal((await sdkError(show())).status, 404, "never set: not found [U]");
    const dest = new fg.FuncDestinationConfig().withDestination("FunctionGraph").withParam(JSON.stringify({ func_urn: urn }));
    const res = await client.updateFunctionAsyncInvokeConfig(new fg.UpdateFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncRetryAttempts(2).withMaxAsyncEventAgeInSeconds(600)
        .withDestinationConfig(new fg.FuncAsyncDestinationConfig().withOnFailure(dest))));
    assert.equal(res.max_async_retry_attempts, 2);
    const shown = await show();
    assert.equal(shown.max_async_event_age_in_seconds, 600);
    assert.equal(shown.destination_config.on_failure.destination, "FunctionGraph");
    assert.ok(shown.created_time);
    const bad = await sdkError(client.updateFunctionAsyncInvokeConfig(new fg.UpdateFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionAsyncInvokeConfigRequestBody().withMaxAsyncRetryAttempts(9))));
    assert.equal(bad.status, 400);
    assert.match(bad.msg, /max_async_retry_attempts/);
    await emu.close();
    emu = await startEmulator({ quiet: true, dataDir: dir });
    assert.equal((await sdkClient(emu).showFunctionAsyncInvokeConfig(new fg.ShowFunctionAsyncInvokeConfigRequest().withFunctionUrn(urn))).max_async_retry_attempts, 2);
  });

  it("updateFunctionReservedInstancesCount / listFunctionReservedInstances: per qualifier, validated", async () => {
    const client = sdkClient(emu);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:props-fn`;
    const res = await client.updateFunctionReservedInstancesCount(new fg.UpdateFunctionReservedInstancesCountRequest().withFunctionUrn(`${urn}:latest`)
      .withBody(new fg.UpdateFunctionReservedInstancesCountRequestBody().withCount(3).withIdleMode(true)));
    assert.equal(res.count, 3);
    const list = await client.listFunctionReservedInstances(new fg.ListFunctionReservedInstancesRequest().withUrn(urn));
    assert.deepEqual(list.reservedinstances, [{ func_urn: `${urn}:latest`, count: 3 }]);
    const missing = await sdkError(client.updateFunctionReservedInstancesCount(new fg.UpdateFunctionReservedInstancesCountRequest()
      .withFunctionUrn(`${urn}:v404`).withBody(new fg.UpdateFunctionReservedInstancesCountRequestBody().withCount(1))));
    assert.equal(missing.status, 404, "a version that does not exist");
    const bad = await sdkError(client.updateFunctionReservedInstancesCount(new fg.UpdateFunctionReservedInstancesCountRequest()
      .withFunctionUrn(`${urn}:latest`).withBody(new fg.UpdateFunctionReservedInstancesCountRequestBody().withCount(5000))));
    assert.equal(bad.status, 400);
    assert.match(bad.msg, /count/);
  });

  it("config limits and the VPC-needs-an-agency rule, with the field named", async () => {
    const client = sdkClient(emu);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:props-fn`;
    const put = (body: unknown) => sdkError(client.updateFunctionConfig(new fg.UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(body)));
    const base = () => new fg.UpdateFunctionConfigRequestBody().withFuncName("props-fn").withRuntime("Node.js18.15").withTimeout(30)
      .withHandler("index.handler").withMemorySize(256);
    let e = await put(base().withStrategyConfig(new fg.StrategyConfig().withConcurrentNum(1001)));
    assert.deepEqual([e.status, e.code], [400, "FSS.0400"]);
    assert.match(e.msg, /strategy_config\.concurrent_num: .*at most 1000/);
    e = await put(base().withInitializerTimeout(301));
    assert.match(e.msg, /initializer_timeout: .*at most 300/);
    e = await put(base().withXrole("").withFuncVpc(new fg.FuncVpc(VPC, SUBNET)));
    assert.match(e.msg, /func_vpc: a VPC needs an agency/);
  });
});

describe("the import template: types checked with the field named, names looked up safely", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
  });
  after(() => emu.close());

  async function importYaml(name: string, yaml: string) {
    const pkg = await importPackage(name, { yaml });
    return signedRequest(emu, "POST", "/import", {
      body: { func_name: name, file_name: `${name}.zip`, file_type: "zip", file_code: pkg.toString("base64") },
    });
  }

  it("a nested value in Environment.Variables is a type error (never '[object Object]')", async () => {
    const r = await importYaml("f1", functionYaml("f1", { Environment: { Variables: { A: { b: 1 } } } }));
    assert.equal(r.status, 400);
    assert.equal(r.json().error_code, "FSS.1009");
    assert.match(String(r.json().error_msg), /Environment\.Variables\.A: .*expected string/);
    assert.deepEqual(emu.functions(), []);
  });

  it("a number as Description is a type error naming the field", async () => {
    const r = await importYaml("f2", functionYaml("f2", { Description: 42 }));
    assert.equal(r.status, 400);
    assert.equal(r.json().error_code, "FSS.1025");
    assert.match(String(r.json().error_msg), /Properties\.Description: .*expected string/);
  });

  it("an export (both parts) imports again into the same settings: export writes the provider's template", async () => {
    const yaml = functionYaml("rt", { Description: "round trip", MemorySize: 512, Timeout: 42, Environment: { Variables: { B: "2", A: "1" } } });
    assert.equal((await importYaml("rt", yaml)).status, 200);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:rt`;
    const before = emu.functions().find((f) => f.func_name === "rt")!;
    const both = await signedRequest(emu, "GET", `/${urn}/export`, { query: { code: "true", config: "true" }, extraHeaders: { Accept: "application/zip" } });
    assert.equal(both.status, 200);
    assert.equal(await emu.removeFunction(urn), true);
    const again = await signedRequest(emu, "POST", "/import", {
      body: { func_name: "rt", file_name: "rt.zip", file_type: "zip", file_code: both.body.toString("base64") },
    });
    assert.equal(again.status, 200, again.body.toString());
    const after = emu.functions().find((f) => f.func_name === "rt")!;
    for (const k of ["runtime", "handler", "memory_size", "timeout", "description", "user_data", "digest"] as const) {
      assert.deepEqual(after[k], before[k], k);
    }
  });

  it("a function named 'constructor' is looked up as its own key, never inherited", async () => {
    const missing = await importYaml("constructor", functionYaml("someone-else"));
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error_code, "FSS.1057");
    const ok = await importYaml("constructor", functionYaml("constructor"));
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(ok.json().func_name, "constructor");
  });
});
