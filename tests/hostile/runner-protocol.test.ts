/**
 * Function code writing to the runner's protocol descriptor (fd 3) itself, in Node.js and Python: lines that
 * are JSON but not messages (`null`, numbers, arrays, messages with fields of the wrong type — including a
 * forged result for its own call) must neither crash the emulator (it runs in this test's process) nor end the
 * call: they are output, and the handler's real answer still arrives.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { deploy, sdkInvoke } from "../emulator/invoke-helpers";

const NODE = `const fs = require("fs");
exports.handler = async (e, ctx) => {
  for (const l of e.lines) fs.writeSync(3, l.replace("RID", ctx.getRequestID()) + "\\n");
  await new Promise((r) => setTimeout(r, 200));
  return "after";
};`;

// Writes more than the protocol's longest line (64 MiB) without a newline, 1 MiB at a time.
const FLOOD = `const fs = require("fs");
exports.handler = async () => {
  const mb = Buffer.alloc(1024 * 1024, 97);
  for (let i = 0; i < 70; i++) fs.writeSync(3, mb);
  await new Promise((r) => setTimeout(r, 20000));
  return "not reached";
};`;

const PYTHON = `import os, time
def handler(e, ctx):
    for l in e["lines"]:
        os.write(3, (l.replace("RID", ctx.getRequestID()) + "\\n").encode())
    time.sleep(0.2)
    return "after"
`;

const LINES = ["null", "5", '"text"', "[1]", "{}", '{"type":"log","data":5}', '{"type":"log"}',
  '{"type":"result","requestId":"RID","ok":true,"result":5}', '{"type":"result","requestId":"RID","ok":false}',
  '{"type":"result","requestId":7,"ok":true,"result":"x"}', '{"type":"init-error"}', '{"type":"ready","memoryMB":"x"}'];

describe("forged protocol lines on fd 3 do not crash the emulator", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    await deploy(emu, "node-fd3", { "index.js": NODE }, { timeout: 10 });
    await deploy(emu, "flood-fd3", { "index.js": FLOOD }, { timeout: 30 });
    await deploy(emu, "py-fd3", { "index.py": PYTHON }, { runtime: "Python3.10", timeout: 10 });
  });
  after(() => emu.close());

  for (const name of ["node-fd3", "py-fd3"]) {
    it(`${name}: the handler's answer arrives; the malformed lines are kept as output`, async () => {
      const out = await sdkInvoke(emu, name, { lines: LINES });
      assert.equal(out.status, 200, out.result);
      assert.equal(out.result, '"after"');
      const log = emu.invocations({ requestId: out.requestId })[0]?.log ?? "";
      assert.match(log, /"type":"log","data":5/, "a malformed line is output");
      assert.equal((await sdkInvoke(emu, name, { lines: [] })).result, '"after"', "the instance still serves");
    });
  }

  it("an endless line on fd 3 stops the instance at once (not held in the emulator's memory until the timeout)", async () => {
    const started = Date.now();
    const out = await sdkInvoke(emu, "flood-fd3", {});
    assert.notEqual(out.status, 200, out.result);
    assert.ok(Date.now() - started < 15000, "the call ended well before its 30 s timeout and the flood's 20 s wait");
    assert.match(out.result + (emu.invocations({ requestId: out.requestId })[0]?.log ?? ""), /more than 67108864 bytes/);
    assert.equal((await sdkInvoke(emu, "node-fd3", { lines: [] })).result, '"after"', "the emulator still serves");
  });
});

// A Custom bootstrap that answers with an endless body (1 MiB writes until the emulator hangs up).
const ENDLESS = `#!/usr/bin/env node
const http = require("http");
const [host, port] = process.env.RUNTIME_API_ADDR.split(":");
http.get({ host, port, path: "/v1/runtime/invocation/request" }, (res) => {
  res.resume();
  res.on("end", () => {
    const req = http.request({ host, port, method: "POST", path: "/v1/runtime/invocation/response/" + res.headers["x-cff-request-id"] });
    req.on("error", () => {});
    const mb = Buffer.alloc(1024 * 1024, 97);
    const pump = () => { while (!req.destroyed && req.write(mb)); if (!req.destroyed) req.once("drain", pump); };
    pump();
  });
});
setInterval(() => {}, 1000);
`;

describe("a Custom bootstrap's endless answer", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    await deploy(emu, "endless", { bootstrap: { data: ENDLESS, mode: 0o755 } }, { runtime: "Custom", handler: "bootstrap.handler", timeout: 30 });
  });
  after(() => emu.close());

  it("is cut at the answer limit at once (not buffered until the timeout): ResponseTooLarge", async () => {
    const started = Date.now();
    const out = await sdkInvoke(emu, "endless", {});
    assert.ok(Date.now() - started < 15000, "the call ended well before its 30 s timeout");
    assert.deepEqual([out.status, out.parsed().errorType], [500, "ResponseTooLarge"], out.result);
    assert.match(out.parsed().errorMessage, /more than the 6291456 bytes allowed/);
  });
});
