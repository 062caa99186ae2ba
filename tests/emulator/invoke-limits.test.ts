import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { lookupAlias, pickAliasVersion } from "../../emulator/runtime/target";
import { instanceLimit } from "../../emulator/runtime/function-runtime";
import { deploy, eventually, markedProcessExists, sdkInvoke, uniqueMarker } from "./invoke-helpers";

/** Node code that names its instance: `process.title` becomes a marker unique to the instance, visible on the host. */
const TITLED = "const MARK = 'fgs-inst-' + require('crypto').randomBytes(8).toString('hex'); process.title = MARK;";
const gone = (marker: string) => () => (markedProcessExists(marker) ? undefined : true);

describe("failures each give a clear, documented answer", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  const cases: Array<[string, string, { errorType: string; message: RegExp; status: number }]> = [
    ["thrown", "exports.handler = async () => { throw new RangeError('out of range'); };", { errorType: "RangeError", message: /^out of range$/, status: 500 }],
    ["rejected", "exports.handler = () => Promise.reject(new Error('rejected!'));", { errorType: "Error", message: /^rejected!$/, status: 500 }],
    ["callbackerr", "exports.handler = (e, c, cb) => cb(new SyntaxError('cb failed'));", { errorType: "SyntaxError", message: /^cb failed$/, status: 500 }],
    ["nonjson", "exports.handler = async () => ({ n: 10n });", { errorType: "ResultNotSerializable", message: /cannot be serialized as JSON/, status: 500 }],
    ["fnresult", "exports.handler = async () => () => 1;", { errorType: "ResultNotSerializable", message: /returned a function/, status: 500 }],
    ["crash", "exports.handler = async () => { process.exit(3); };", { errorType: "RuntimeExitError", message: /exit code 3/, status: 500 }],
    ["bighandler", "exports.handler = async () => 'x'.repeat(7 * 1024 * 1024);", { errorType: "ResponseTooLarge", message: /more than the 6291456 allowed/, status: 413 }],
    ["nohandler", "exports.other = async () => 1;", { errorType: "HandlerNotFound", message: /'handler' is not a function/, status: 500 }],
  ];
  for (const [name, code, want] of cases) {
    it(`${name}: status ${want.status}, result {errorMessage, errorType: ${want.errorType}}`, async () => {
      await deploy(emu, name, { "index.js": code });
      const r = await sdkInvoke(emu, name);
      assert.equal(r.status, want.status);
      const body = r.parsed();
      assert.deepEqual(Object.keys(body).sort(), ["errorMessage", "errorType"]);
      assert.equal(body.errorType, want.errorType);
      assert.match(body.errorMessage, want.message);
      assert.match(r.log, /Finish invoke request/);
    });
  }

  it("the raw (v0) answer of a failure carries X-Is-Func-Err: true and the code", async () => {
    const { signedRequest } = await import("./helpers");
    const res = await signedRequest(emu, "POST", `/default:thrown/invocations`, { body: {} });
    assert.equal(res.status, 200);
    assert.equal(res.headers["x-is-func-err"], "true");
    assert.equal(res.headers["x-func-err-code"], "500");
    assert.equal((res.json() as { errorType?: string }).errorType, "RangeError");
  });

  it("a crashed instance is replaced: the next call runs on a fresh one", async () => {
    await deploy(emu, "flaky", { "index.js": "let n = 0; exports.handler = async (e) => { n++; if (e.die) process.exit(1); return n; };" });
    assert.equal((await sdkInvoke(emu, "flaky")).parsed(), 1);
    assert.equal((await sdkInvoke(emu, "flaky", { die: true })).status, 500);
    assert.equal((await sdkInvoke(emu, "flaky")).parsed(), 1);
  });

  it("timeout: the instance is killed and the call reports 408 FunctionTimeout", async () => {
    await deploy(emu, "slow", { "index.js": "exports.handler = () => new Promise(() => {});" }, { timeout: 3 });
    const r = await sdkInvoke(emu, "slow");
    assert.equal(r.status, 408);
    assert.equal(r.parsed().errorType, "FunctionTimeout");
    assert.deepEqual(emu.invocations({ requestId: r.requestId }).map((x) => x.status), ["timeout"]);
  });

  it("memory: a Node.js function allocating past its memory size fails instead of growing", async () => {
    await deploy(emu, "hog", { "index.js": "exports.handler = async () => { const a = []; for (let i = 0; i < 64; i++) a.push(Buffer.alloc(8 * 1024 * 1024, 1)); return a.length; };" }, { memory_size: 128 });
    const r = await sdkInvoke(emu, "hog");
    assert.notEqual(r.status, 200);
    assert.match(r.parsed().errorMessage, /allocation failed|out of memory|exited/i);
  });

  it("memory: a Python function allocating past its memory size gets MemoryError", async () => {
    await deploy(emu, "pyhog", { "index.py": "def handler(event, context):\n    x = bytearray(512 * 1024 * 1024)\n    return len(x)\n" }, { runtime: "Python3.10", memory_size: 128 });
    const r = await sdkInvoke(emu, "pyhog");
    assert.equal(r.status, 500);
    assert.equal(r.parsed().errorType, "MemoryError");
  });
});

describe("instances: concurrency, idle stop, and nothing left running after close", () => {
  it("concurrent calls start new instances up to the limit; idle instances stop; close kills the rest", async () => {
    const emu = await startEmulator({ runtime: { maxInstancesPerFunction: 2, idleMs: 60_000 } });
    let marks: string[] = [];
    try {
      await deploy(emu, "par", { "index.js": `${TITLED} exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return MARK; };` }, { timeout: 30 });
      const results = await Promise.all([0, 1, 2, 3].map(() => sdkInvoke(emu, "par", { ms: 400 })));
      marks = results.map((r) => r.parsed() as string);
      assert.equal(new Set(marks).size, 2, "4 overlapping calls with a limit of 2 run on exactly 2 instances");
      const cold = emu.invocations({ function: "par" }).filter((x) => x.coldStart).length;
      assert.equal(cold, 2);
      for (const m of new Set(marks)) assert.ok(markedProcessExists(m));
    } finally {
      await emu.close();
    }
    for (const m of new Set(marks)) await eventually(gone(m));
  });

  it("an idle instance is stopped after the idle time, and the next call starts a new one", async () => {
    const emu = await startEmulator({ runtime: { idleMs: 200 } });
    try {
      await deploy(emu, "idle", { "index.js": `${TITLED} exports.handler = async () => MARK;` });
      const mark = (await sdkInvoke(emu, "idle")).parsed() as string;
      await eventually(gone(mark));
      const again = (await sdkInvoke(emu, "idle")).parsed() as string;
      assert.notEqual(again, mark);
    } finally {
      await emu.close();
    }
  });

  it("a process started by the user code is killed with its instance (its PID namespace)", async () => {
    const emu = await startEmulator();
    let child = "";
    try {
      await deploy(emu, "spawner", {
        "index.js": "const cp = require('child_process'); exports.handler = async (e) => { cp.spawn('sleep', ['300.' + e.mark], { stdio: 'ignore' }); return '300.' + e.mark; };",
      });
      child = (await sdkInvoke(emu, "spawner", { mark: uniqueMarker() })).parsed() as string;
      await eventually(() => (markedProcessExists(child) ? true : undefined));
    } finally {
      await emu.close();
    }
    await eventually(gone(child));
  });

  it("a new config or code for latest retires the old instances", async () => {
    const emu = await startEmulator();
    try {
      await deploy(emu, "upd", { "index.js": `${TITLED} exports.handler = async () => ({ mark: MARK, g: process.env.G || null });` });
      const first = (await sdkInvoke(emu, "upd")).parsed();
      await emu.modifyConfig("default:upd", { user_data: JSON.stringify({ G: "new" }) });
      const second = (await sdkInvoke(emu, "upd")).parsed();
      assert.equal(second.g, "new");
      assert.notEqual(second.mark, first.mark);
      await eventually(gone(first.mark));
    } finally {
      await emu.close();
    }
  });
});

describe("alias routing and instance limits (units)", () => {
  it("lookupAlias reads an alias record when the store has aliases, and pickAliasVersion follows the weights", () => {
    const f = { aliases: [{ name: "prod", version: "v1", additional_version_weights: { v2: 30 } }] } as never;
    assert.deepEqual(lookupAlias(f, "prod"), { version: "v1", weights: { v2: 30 } });
    assert.equal(lookupAlias(f, "dev"), undefined);
    assert.equal(lookupAlias({} as never, "prod"), undefined);
    const routing = { version: "v1", weights: { v2: 30 } };
    assert.equal(pickAliasVersion(routing, () => 0.1), "v2");
    assert.equal(pickAliasVersion(routing, () => 0.5), "v1");
  });

  it("instanceLimit: the function's own max-instance setting, capped by the emulator's", () => {
    const base = { runtime: "Node.js18.15" } as never;
    assert.equal(instanceLimit(base, 8), 8);
    assert.equal(instanceLimit({ max_instance_num: 3 } as never, 8), 3);
    assert.equal(instanceLimit({ max_instance_num: 30 } as never, 8), 8);
    assert.equal(instanceLimit({ strategy_config: { concurrency: 2 } } as never, 8), 2);
    assert.equal(instanceLimit({ strategy_config: { concurrency: -1 } } as never, 8), 8);
  });
});
