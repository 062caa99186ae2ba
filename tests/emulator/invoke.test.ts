import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { fg, sdkClient, sdkError, signedRequest } from "./helpers";
import { deploy, eventually, sdkInvoke, urnOf } from "./invoke-helpers";

const ECHO = `let calls = 0;
exports.handler = async (event, context) => {
  calls++;
  console.log("event", JSON.stringify(event));
  context.getLogger().info("from the logger");
  return { event, calls, requestId: context.getRequestID(), version: context.getVersion() };
};
`;

describe("invocation API: the official SDK's invokeFunction / asyncInvokeFunction, unchanged", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
    await deploy(emu, "echo", { "index.js": ECHO });
  });
  after(() => emu.close());

  it("sync v1: {request_id, result, log, status}, the request id also in X-Cff-Request-Id, the log framed", async () => {
    const r = await sdkInvoke(emu, "echo", { a: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.requestId, r.headerRequestId);
    const result = r.parsed();
    assert.deepEqual(result.event, { a: 1 });
    assert.equal(result.requestId, r.requestId);
    assert.equal(result.version, "latest");
    assert.match(r.log, new RegExp(`^Start invoke request '${r.requestId}', version: latest\n`));
    assert.match(r.log, /event \{"a":1\}\n/);
    assert.match(r.log, new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${r.requestId} INFO from the logger\n`));
    assert.match(r.log, new RegExp(`Finish invoke request '${r.requestId}', duration: [\\d.]+ms, billing duration: \\d+ms, memory used: [\\d.]+MB, billing memory: 128MB\n$`));
  });

  it("v0 (no version header): the raw result, with the documented response headers", async () => {
    const res = await signedRequest(emu, "POST", `/${urnOf(emu, "echo")}/invocations`, { body: { b: 2 }, extraHeaders: { "X-Cff-Log-Type": "tail" } });
    assert.equal(res.status, 200);
    const body = res.json() as { event: unknown };
    assert.deepEqual(body.event, { b: 2 });
    assert.equal(res.headers["x-cff-response-version"], "v0");
    assert.equal(res.headers["x-func-err-code"], "0");
    assert.equal(res.headers["x-is-func-err"], "false");
    assert.match(String(res.headers["x-cff-request-id"]), /^[0-9a-f-]{36}$/);
    assert.match(String(res.headers["x-cff-billing-duration"]), /^\d+$/);
    const summary = JSON.parse(String(res.headers["x-cff-invoke-summary"]));
    assert.equal(summary.memorySize, 128);
    const log = Buffer.from(String(res.headers["x-cff-function-log"]), "base64").toString("utf8");
    assert.match(log, /Finish invoke request/);
    // Without the tail header there is no log header.
    const quiet = await signedRequest(emu, "POST", `/${urnOf(emu, "echo")}/invocations`, { body: {} });
    assert.equal(quiet.headers["x-cff-function-log"], undefined);
  });

  it("a warm instance is reused: module state survives between calls", async () => {
    const first = (await sdkInvoke(emu, "echo")).parsed().calls;
    const second = (await sdkInvoke(emu, "echo")).parsed().calls;
    assert.equal(second, first + 1);
  });

  it("async: 202 with a request id; the outcome and log are kept", async () => {
    const client = sdkClient(emu);
    const r = await client.asyncInvokeFunction(new fg.AsyncInvokeFunctionRequest().withFunctionUrn(urnOf(emu, "echo")).withBody({ async: true }));
    assert.equal(r.httpStatusCode, 202);
    assert.match(r.request_id, /^[0-9a-f-]{36}$/);
    const rec = await eventually(() => emu.invocations({ requestId: r.request_id }).find((x) => x.status !== "running"));
    assert.equal(rec.kind, "async");
    assert.equal(rec.status, "succeeded");
    assert.deepEqual(JSON.parse(rec.result!).event, { async: true });
    assert.match(rec.log, /event \{"async":true\}/);
  });

  it("listAsyncInvocations (the SDK's call) reports async calls with their status and error", async () => {
    const client = sdkClient(emu);
    await deploy(emu, "asyncfail", { "index.js": "exports.handler = async (e) => { if (e.fail) throw new Error('async boom'); return 1; };" });
    const urn = urnOf(emu, "asyncfail");
    const send = (body: Record<string, unknown>) => client.asyncInvokeFunction(new fg.AsyncInvokeFunctionRequest().withFunctionUrn(urn).withBody(body));
    const ok = (await send({})).request_id as string;
    const bad = (await send({ fail: true })).request_id as string;
    await eventually(() => emu.invocations({ function: "asyncfail" }).every((r) => r.status !== "running") && emu.invocations({ function: "asyncfail" }).length === 2 ? true : undefined);
    const list = await client.listAsyncInvocations(new fg.ListAsyncInvocationsRequest().withFunctionUrn(urn));
    assert.equal(list.count, 2);
    const byId = Object.fromEntries(list.invocations.map((i: { request_id: string }) => [i.request_id, i]));
    assert.equal(byId[ok].status, "SUCCESS");
    assert.equal(byId[bad].status, "FAIL");
    assert.equal(byId[bad].error_code, 500);
    assert.equal(byId[bad].error_message, "async boom");
    const failed = await client.listAsyncInvocations(new fg.ListAsyncInvocationsRequest().withFunctionUrn(urn).withStatus("FAIL"));
    assert.deepEqual(failed.invocations.map((i: { request_id: string }) => i.request_id), [bad]);
    const one = await client.listAsyncInvocations(new fg.ListAsyncInvocationsRequest().withFunctionUrn(urn).withRequestId(ok));
    assert.deepEqual(one.invocations.map((i: { request_id: string }) => i.request_id), [ok]);
  });

  it("qualified URNs: a published version runs its own code; unknown version/alias/function are 404", async () => {
    const client = sdkClient(emu);
    await deploy(emu, "versioned", { "index.js": "exports.handler = async () => 'one';" });
    await client.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urnOf(emu, "versioned"))
      .withBody(new fg.CreateFunctionVersionRequestBody().withVersion("v1")));
    const { zip } = await import("./helpers");
    await emu.modifyCode(urnOf(emu, "versioned"), await zip({ "index.js": "exports.handler = async () => 'two';" }));
    assert.equal((await sdkInvoke(emu, urnOf(emu, "versioned"))).parsed(), "two");
    assert.equal((await sdkInvoke(emu, urnOf(emu, "versioned", "latest"))).parsed(), "two");
    assert.equal((await sdkInvoke(emu, urnOf(emu, "versioned", "v1"))).parsed(), "one");
    const missing = (u: string) => sdkError(client.invokeFunction(new fg.InvokeFunctionRequest().withFunctionUrn(u).withBody({})));
    assert.equal((await missing(urnOf(emu, "versioned", "v9"))).code, "FSS.1052");
    assert.equal((await missing(urnOf(emu, "versioned", "!prod"))).code, "FSS.1053");
    assert.equal((await missing(urnOf(emu, "nope"))).code, "FSS.1051");
  });

  it("limits: sync body over 6 MB and async body over 256 KB are 413 FSS.0413; a non-JSON body is 400", async () => {
    const big = { data: "x".repeat(6 * 1024 * 1024) };
    const sync = await signedRequest(emu, "POST", `/${urnOf(emu, "echo")}/invocations`, { body: big });
    assert.equal(sync.status, 413);
    assert.equal(sync.json().error_code, "FSS.0413");
    const medium = { data: "x".repeat(300 * 1024) };
    const async = await signedRequest(emu, "POST", `/${urnOf(emu, "echo")}/invocations-async`, { body: medium });
    assert.equal(async.status, 413);
    assert.equal(async.json().error_code, "FSS.0413");
    // 300 KB is fine synchronously.
    assert.equal((await signedRequest(emu, "POST", `/${urnOf(emu, "echo")}/invocations`, { body: medium })).status, 200);
    const { rawRequest, signHeaders } = await import("./helpers");
    const path = `/v2/${emu.projectId}/fgs/functions/${urnOf(emu, "echo")}/invocations`;
    const body = Buffer.from("{not json");
    const headers = signHeaders({ method: "POST", path, body, ak: emu.credentials.accessKey, sk: emu.credentials.secretKey,
      headers: { "Content-Type": "application/json", Host: new URL(emu.url).host } });
    const broken = await rawRequest(emu.url, "POST", path, headers, body);
    assert.equal(broken.status, 400);
    assert.match(String(broken.json().error_msg), /not valid JSON/);
  });

  it("X-Cff-Instance-Memory runs the call with that memory size; a size not offered is 400", async () => {
    await deploy(emu, "mem", { "index.js": "exports.handler = async (e, ctx) => ctx.getMemorySize();" });
    const client = sdkClient(emu);
    const r = await client.invokeFunction(new fg.InvokeFunctionRequest().withFunctionUrn(urnOf(emu, "mem")).withBody({})
      .withXCFFRequestVersion("v1").withXCffInstanceMemory("512"));
    assert.equal(r.result, "512");
    assert.equal((await sdkInvoke(emu, "mem")).result, "128");
    const bad = await signedRequest(emu, "POST", `/${urnOf(emu, "mem")}/invocations`, { body: {}, extraHeaders: { "X-Cff-Instance-Memory": "100" } });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json().error_msg), /X-Cff-Instance-Memory/);
  });

  it("a bad X-CFF-Request-Version is refused with the header named", async () => {
    const res = await signedRequest(emu, "POST", `/${urnOf(emu, "echo")}/invocations`, { body: {}, extraHeaders: { "X-CFF-Request-Version": "v7" } });
    assert.equal(res.status, 400);
    assert.match(String(res.json().error_msg), /X-CFF-Request-Version/);
  });

  it("a runtime the emulator cannot run is a clear 400", async () => {
    await emu.seedFunction({ func_name: "javafn", runtime: "Java17", handler: "index.handler" });
    const client = sdkClient(emu);
    const e = await sdkError(client.invokeFunction(new fg.InvokeFunctionRequest().withFunctionUrn(urnOf(emu, "javafn")).withBody({})));
    assert.equal(e.status, 400);
    assert.match(e.msg, /cannot run runtime 'Java17'/);
  });
});
