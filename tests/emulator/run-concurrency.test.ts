/**
 * Per-instance concurrency: with `concurrencyNum` (`strategy_config.concurrent_num`) N > 1, one warm instance
 * serves N calls at once (Node.js on its event loop, Python on N threads), each with its own log; with the
 * default 1 an instance serves one call at a time. Calls meet at a barrier inside the function: they only see
 * each other when they run in the same process at the same time. Each instance names itself with a random id made
 * when its code loads (a pid says nothing: every sandbox has a PID namespace of its own). Driven through the
 * official SDK, `fgs invoke` and `curl` on an APIG trigger.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { fg, sdkClient } from "./helpers";
import { apigTrigger, curl, deploy, fgs, sdkInvoke, urnOf } from "./invoke-helpers";

// Waits (up to 4 s) until `want` calls are in this process at once; answers what it saw.
const NODE_BARRIER = `const instance = require("node:crypto").randomUUID();
let inFlight = 0;
exports.handler = async (event) => {
  const q = event.queryStringParameters;
  const e = event.httpMethod ? { want: Number(q.want), tag: q.tag, apig: true } : event;
  inFlight++;
  const end = Date.now() + 4000;
  let most = inFlight;
  while (inFlight < e.want && Date.now() < end) { await new Promise((r) => setTimeout(r, 10)); most = Math.max(most, inFlight); }
  most = Math.max(most, inFlight);
  console.log("call " + e.tag);
  await new Promise((r) => setTimeout(r, 50));
  inFlight--;
  const answer = { instance, most, tag: e.tag };
  return e.apig ? { statusCode: 200, headers: {}, body: JSON.stringify(answer), isBase64Encoded: false } : answer;
};`;

const PYTHON_BARRIER = `import json, os, threading, time, uuid
_instance = str(uuid.uuid4())
_lock = threading.Lock()
_state = {"in": 0}

def handler(event, context):
    with _lock:
        _state["in"] += 1
    end = time.time() + 4
    most = _state["in"]
    while _state["in"] < event["want"] and time.time() < end:
        time.sleep(0.01)
        most = max(most, _state["in"])
    most = max(most, _state["in"])
    print("call %s" % event["tag"])
    time.sleep(0.05)
    with _lock:
        _state["in"] -= 1
    return {"instance": _instance, "most": most, "tag": event["tag"]}
`;

async function setConcurrency(emu: EmulatorHandle, name: string, runtime: string, n: number): Promise<void> {
  await sdkClient(emu).updateFunctionConfig(new fg.UpdateFunctionConfigRequest().withFunctionUrn(urnOf(emu, name)).withBody(
    new fg.UpdateFunctionConfigRequestBody().withFuncName(name).withRuntime(runtime).withTimeout(15).withHandler("index.handler")
      .withMemorySize(256).withStrategyConfig(new fg.StrategyConfig().withConcurrentNum(n))));
}

describe("per-instance concurrency (concurrencyNum)", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    await deploy(emu, "shared", { "index.js": NODE_BARRIER });
    await setConcurrency(emu, "shared", "Node.js18.15", 3);
    await deploy(emu, "single", { "index.js": NODE_BARRIER });
    await setConcurrency(emu, "single", "Node.js18.15", 1);
    await deploy(emu, "pyshared", { "index.py": PYTHON_BARRIER }, { runtime: "Python3.10" });
    await setConcurrency(emu, "pyshared", "Python3.10", 3);
  });
  after(() => emu.close());

  for (const name of ["shared", "pyshared"]) {
    it(`${name}: concurrencyNum 3 serves 3 SDK calls in one warm instance at once, each with its own log`, async () => {
      const warm = await sdkInvoke(emu, name, { want: 1, tag: "warm" });
      assert.equal(warm.status, 200, warm.result);
      const calls = await Promise.all(["a", "b", "c"].map((tag) => sdkInvoke(emu, name, { want: 3, tag })));
      const results = calls.map((c) => c.parsed());
      assert.deepEqual(new Set(results.map((r) => r.instance)), new Set([warm.parsed().instance]), "every call ran in the warm instance");
      assert.ok(results.every((r) => r.most === 3), `all three were in the instance at once: ${JSON.stringify(results)}`);
      for (const c of calls) {
        const tag = c.parsed().tag;
        assert.match(c.log, new RegExp(`call ${tag}\\n`));
        assert.doesNotMatch(c.log, new RegExp(`call (?!${tag})[abc]\\n`), "another call's output is not in this call's log");
      }
      assert.equal(emu.invocations({ function: name }).filter((r) => r.coldStart).length, 1, "one cold start in all");
    });
  }

  it("concurrencyNum 1: calls at once run in separate instances, never together", async () => {
    const results = (await Promise.all(["a", "b"].map((tag) => sdkInvoke(emu, "single", { want: 2, tag })))).map((c) => c.parsed());
    assert.ok(results.every((r) => r.most === 1), JSON.stringify(results));
    assert.notEqual(results[0].instance, results[1].instance);
  });

  it("fgs invoke and curl on an APIG trigger share the instance too", async () => {
    const warm = (await sdkInvoke(emu, "shared", { want: 1, tag: "warm" })).parsed();
    const cli = await Promise.all(["x", "y"].map((tag) => fgs(["invoke", "shared", "--data", JSON.stringify({ want: 2, tag }), "--endpoint", emu.url])));
    for (const r of cli) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual([JSON.parse(r.stdout).instance, JSON.parse(r.stdout).most], [warm.instance, 2]);
    }
    const { url } = await apigTrigger(emu, "shared", { path: "/barrier", method: "GET" });
    const web = await Promise.all(["p", "q", "r"].map((tag) => curl(`${url}?want=3&tag=${tag}`)));
    for (const r of web) {
      assert.equal(r.status, 200, r.body);
      assert.deepEqual([JSON.parse(r.body).instance, JSON.parse(r.body).most], [warm.instance, 3]);
    }
  });
});
