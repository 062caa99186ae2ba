import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { closeDispatchers, FunctionGraphError, invokeFunction } from "../../provider/api";
import type { Target } from "../../provider/auth/resolve-target";
import { deploy, eventually } from "../emulator/invoke-helpers";

describe("invokeFunction (client side)", () => {
  let emu: EmulatorHandle;
  let target: Target;
  before(async () => {
    emu = await startEmulator();
    target = { endpoint: emu.url, region: emu.region, projectId: emu.projectId, credentials: { kind: "aksk", ...emu.credentials } };
    await deploy(emu, "ok", { "index.js": "exports.handler = async (e) => { console.log('in ok'); return { twice: e.n * 2 }; };" });
    await deploy(emu, "fails", { "index.js": "exports.handler = async () => { throw new TypeError('bad'); };" });
  });
  after(async () => {
    await closeDispatchers();
    await emu.close();
  });

  it("sync: the result, the log tail, ok and the error code", async () => {
    const r = await invokeFunction(target, "ok", { n: 21 });
    assert.equal(r.kind, "sync");
    if (r.kind !== "sync") return;
    assert.equal(r.ok, true);
    assert.deepEqual(JSON.parse(r.result), { twice: 42 });
    assert.equal(r.errorCode, "0");
    assert.match(r.log, /in ok/);
    assert.match(r.requestId, /^[0-9a-f-]{36}$/);
    const quiet = await invokeFunction(target, "ok", { n: 1 }, { log: false });
    assert.equal(quiet.kind === "sync" && quiet.log, "");
  });

  it("a function failure is an answer with ok false, not an exception", async () => {
    const r = await invokeFunction(target, "default:fails", {});
    assert.ok(r.kind === "sync" && !r.ok);
    assert.equal(r.errorCode, "500");
    assert.deepEqual(JSON.parse(r.result), { errorMessage: "bad", errorType: "TypeError" });
  });

  it("async: the request id of a call that runs in the background", async () => {
    const r = await invokeFunction(target, "ok", { n: 5 }, { async: true });
    assert.equal(r.kind, "async");
    const rec = await eventually(() => emu.invocations({ requestId: r.requestId }).find((x) => x.status === "succeeded"));
    assert.deepEqual(JSON.parse(rec.result!), { twice: 10 });
  });

  it("an API error is a FunctionGraphError with the service's code", async () => {
    await assert.rejects(invokeFunction(target, "absent", {}), (e: unknown) => e instanceof FunctionGraphError && e.errorCode === "FSS.1051" && e.status === 404);
    const wrongKey = { ...target, credentials: { kind: "aksk" as const, accessKey: emu.credentials.accessKey, secretKey: "wrong" } };
    await assert.rejects(invokeFunction(wrongKey, "ok", {}), (e: unknown) => e instanceof FunctionGraphError && e.status === 401 && !e.message.includes("wrong"));
  });
});
