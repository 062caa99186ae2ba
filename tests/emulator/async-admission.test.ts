/**
 * Asynchronous invocations are bounded: calls accepted and not yet finished, per function and over all functions,
 * by count and by event bytes (runtime.asyncQueue, small here). A call over a bound is answered 429 FSS.0429
 * ("api is busy now", the service's throttling code) and never kept; once calls finish, calls are accepted again.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncAdmission } from "../../emulator/runtime/async-admission";
import { resolveRuntimeOptions, ASYNC_QUEUE_LIMITS } from "../../emulator/runtime/options";
import { ApiError } from "../../emulator/http/errors";
import { fg, sdkClient, sdkError } from "./helpers";
import { deploy, emulatorForSuite, eventually, urnOf } from "./invoke-helpers";

describe("AsyncAdmission: counts and bytes per function and in total", () => {
  const limits = { perFunctionCalls: 2, perFunctionBytes: 100, totalCalls: 4, totalBytes: 150 };
  const refused = (f: () => unknown, what: RegExp) => assert.throws(f, (e: unknown) =>
    e instanceof ApiError && e.status === 429 && e.code === "FSS.0429" && /^api is busy now: /.test(e.message) && what.test(e.message));

  it("refuses past each bound, and admits again once a call is released", () => {
    const a = new AsyncAdmission(limits);
    const r1 = a.admit("default/a", 10);
    a.admit("default/a", 10);
    refused(() => a.admit("default/a", 10), /function default\/a already has 2 .*at most 2/);
    a.admit("default/c", 95);
    refused(() => a.admit("default/b", 40), /all waiting asynchronous invocations would pass 150 bytes/);
    a.admit("default/b", 10);
    refused(() => a.admit("default/d", 1), /the emulator already has 4 .*at most 4/);
    r1();
    r1(); // released twice counts once
    a.admit("default/a", 10);
    refused(() => a.admit("default/d", 1), /at most 4/);
  });

  it("refuses one function's events past its bytes", () => {
    const a = new AsyncAdmission(limits);
    a.admit("default/a", 60);
    refused(() => a.admit("default/a", 41), /function default\/a's waiting asynchronous invocations would pass 100 bytes/);
    a.admit("default/a", 40);
  });

  it("the options take partial bounds, keep the defaults for the rest, and name a bad one", () => {
    assert.deepEqual(resolveRuntimeOptions({ asyncQueue: { totalCalls: 7 } }).asyncQueue, { ...ASYNC_QUEUE_LIMITS, totalCalls: 7 });
    assert.throws(() => resolveRuntimeOptions({ asyncQueue: { perFunctionBytes: 0 } }), /runtime\.asyncQueue\.perFunctionBytes must be a positive integer/);
  });
});

describe("async invocations over the bounds: 429 FSS.0429 before the event is kept", () => {
  const emu = emulatorForSuite({ runtime: { asyncQueue: { perFunctionCalls: 2, perFunctionBytes: 20_000, totalCalls: 3, totalBytes: 1_000_000 } } });
  const SLEEPY = "exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return 1; };";

  it("per function and in total, then accepted again once calls finished", async () => {
    await deploy(emu(), "sleepy", { "index.js": SLEEPY });
    await deploy(emu(), "other", { "index.js": SLEEPY });
    const client = sdkClient(emu());
    const send = (name: string, body: Record<string, unknown>) =>
      client.asyncInvokeFunction(new fg.AsyncInvokeFunctionRequest().withFunctionUrn(urnOf(emu(), name)).withBody(body));
    const before = emu().invocations({ function: "sleepy" }).length;
    assert.equal((await send("sleepy", { ms: 1500 })).httpStatusCode, 202);
    assert.equal((await send("sleepy", { ms: 1500 })).httpStatusCode, 202);
    const over = await sdkError(send("sleepy", { ms: 1500 }));
    assert.equal(over.status, 429);
    assert.equal(over.code, "FSS.0429");
    assert.match(over.msg, /^api is busy now: function default\/sleepy already has 2 asynchronous invocations/);
    assert.equal((await send("other", { ms: 1500 })).httpStatusCode, 202);
    const total = await sdkError(send("other", {}));
    assert.equal(total.status, 429);
    assert.match(total.msg, /the emulator already has 3 asynchronous invocations/);
    // The refused calls were never recorded (their events were not kept).
    await eventually(() => emu().invocations({ function: "sleepy" }).length - before === 2 &&
      emu().invocations({ function: "sleepy" }).every((r) => r.status !== "running") ? true : undefined);
    await eventually(() => emu().invocations({ function: "other" }).every((r) => r.status !== "running") ? true : undefined);
    assert.equal((await send("sleepy", {})).httpStatusCode, 202);
  });

  it("a function's events past its bytes are refused", async () => {
    await deploy(emu(), "bytes", { "index.js": SLEEPY });
    const client = sdkClient(emu());
    const send = (body: Record<string, unknown>) =>
      client.asyncInvokeFunction(new fg.AsyncInvokeFunctionRequest().withFunctionUrn(urnOf(emu(), "bytes")).withBody(body));
    assert.equal((await send({ ms: 1500, pad: "x".repeat(12_000) })).httpStatusCode, 202);
    const over = await sdkError(send({ pad: "x".repeat(12_000) }));
    assert.equal(over.status, 429);
    assert.match(over.msg, /events of function default\/bytes's waiting asynchronous invocations would pass 20000 bytes/);
  });
});
