import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FunctionCodeSchema, FunctionModelSchema, ListFunctionsResponseSchema } from "../../provider/api/schemas";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { codeZip, fg, importPackage, rawRequest, sdkClient, sdkError, sdkImport } from "./helpers";

describe("acceptance: the official SDK, unchanged, against the emulator", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  it("import → show config → show code → update code → update config → create version → list → export → delete", async () => {
    const client = sdkClient(emu);
    const inner = await codeZip();
    const imported = await sdkImport(client, "hello-fn", await importPackage("hello-fn", { code: inner }));
    FunctionModelSchema.parse(imported);
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:hello-fn`;
    assert.equal(imported.func_urn, urn);
    assert.equal(imported.version, "latest");
    assert.equal(imported.digest, createHash("sha512").update(inner).digest("hex"));
    assert.equal(imported.code_size, inner.length);
    assert.equal(imported.code_type, "zip");
    assert.equal(imported.code_filename, "code.zip");
    assert.equal(imported.cpu, 400);
    assert.equal(imported.user_data, JSON.stringify({ GREETING: "hi" }));
    assert.match(imported.image_name, /^latest-\d{12}@[a-z]{5}$/);
    assert.match(imported.last_modified, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.deepEqual(imported.strategy_config, { concurrency: -1 });
    assert.equal(imported.namespace, emu.projectId);
    assert.equal(imported.domain_id, emu.domainId);

    const config = await client.showFunctionConfig(new fg.ShowFunctionConfigRequest().withFunctionUrn(urn));
    FunctionModelSchema.parse(config);
    assert.ok(config.func_id);
    assert.equal(config.handler, "index.handler");

    const code = await client.showFunctionCode(new fg.ShowFunctionCodeRequest().withFunctionUrn(`${urn}:latest`));
    FunctionCodeSchema.parse(code);
    assert.equal(code.digest, imported.digest);

    const newZip = await codeZip("exports.handler = async () => 'v2';\n");
    const updated = await client.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionCodeRequestBody().withCodeType("zip").withCodeFilename("code.zip")
        .withFuncCode(new fg.FuncCode().withFile(newZip.toString("base64")))));
    assert.equal(updated.digest, createHash("sha512").update(newZip).digest("hex"));
    assert.equal(updated.code_size, newZip.length);
    assert.deepEqual(emu.code(urn), newZip);

    const cfg = await client.updateFunctionConfig(new fg.UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionConfigRequestBody().withFuncName("hello-fn").withRuntime("Node.js18.15").withTimeout(60)
        .withHandler("index.handler").withMemorySize(512).withUserData(JSON.stringify({ A: "1" }))));
    assert.equal(cfg.timeout, 60);
    assert.equal(cfg.memory_size, 512);
    assert.equal(cfg.cpu, 600);

    const version = await client.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(
      new fg.CreateFunctionVersionRequestBody().withVersion("v1").withDescription("first")));
    FunctionModelSchema.parse(version);
    assert.equal(version.version, "v1");
    assert.equal(version.func_urn, `${urn}:v1`);

    const list = await client.listFunctions(new fg.ListFunctionsRequest().withMaxitems("10"));
    ListFunctionsResponseSchema.parse(list);
    assert.deepEqual(list.functions.map((f: { func_name: string }) => f.func_name), ["hello-fn"]);
    assert.equal(list.count, 1);

    const exported = await client.exportFunction(new fg.ExportFunctionRequest().withFunctionUrn(urn).withType("code"));
    assert.equal(exported.httpStatusCode, 200);
    const download = await rawRequest(emu.url, "GET", new URL(exported.code_url).pathname);
    assert.deepEqual(download.body, newZip);

    const deleted = await client.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(urn));
    assert.equal(deleted.httpStatusCode, 204);
    assert.deepEqual(emu.functions(), []);
    assert.deepEqual(emu.requests().map((r) => r.operation),
      ["import", "getConfig", "getCode", "updateCode", "updateConfig", "publishVersion", "list", "export", "delete"]);
  });

  it("the same calls with a wrong secret key all get 401 APIGW.0301", async () => {
    await emu.seedFunction({ func_name: "seeded" });
    const bad = sdkClient(emu, { sk: "wrong-secret" });
    const zipB64 = (await codeZip()).toString("base64");
    const pkg = await importPackage("other");
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:seeded`;
    const calls: Array<() => Promise<unknown>> = [
      () => sdkImport(bad, "other", pkg),
      () => bad.showFunctionConfig(new fg.ShowFunctionConfigRequest().withFunctionUrn(urn)),
      () => bad.showFunctionCode(new fg.ShowFunctionCodeRequest().withFunctionUrn(urn)),
      () => bad.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
        new fg.UpdateFunctionCodeRequestBody().withCodeType("zip").withCodeFilename("code.zip").withFuncCode(new fg.FuncCode().withFile(zipB64)))),
      () => bad.updateFunctionConfig(new fg.UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(
        new fg.UpdateFunctionConfigRequestBody().withFuncName("seeded").withRuntime("Node.js18.15").withTimeout(3).withHandler("index.handler").withMemorySize(128))),
      () => bad.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urn).withBody(new fg.CreateFunctionVersionRequestBody())),
      () => bad.listFunctions(new fg.ListFunctionsRequest()),
      () => bad.exportFunction(new fg.ExportFunctionRequest().withFunctionUrn(urn).withType("code")),
      () => bad.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(urn)),
    ];
    for (const call of calls) {
      const e = await sdkError(call());
      assert.deepEqual([e.status, e.code], [401, "APIGW.0301"]);
    }
    assert.equal(emu.functions().length, 1, "nothing changed");
  });
});
