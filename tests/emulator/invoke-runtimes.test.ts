import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { SANDBOX_UID_BASE, SANDBOX_UID_RANGE } from "../../emulator/runtime/sandbox-users";
import { deploy, sdkInvoke } from "./invoke-helpers";


const CONTEXT_PROBE = `
exports.handler = async (event, context) => ({
  requestId: context.getRequestID(),
  remaining: context.getRemainingTimeInMilliSeconds(),
  greeting: context.getUserData("GREETING"),
  name: context.getFunctionName(), version: context.getVersion(), pkg: context.getPackage(),
  project: context.getProjectID(), memory: context.getMemorySize(), cpu: context.getCPUNumber(),
  timeout: context.getRunningTimeInSeconds(), alias: context.getAlias(), ak: context.getSecurityAccessKey(),
  env: process.env,
});
`;

describe("runtimes: Node.js, Python and Custom functions run from their unpacked package", () => {
  let emu: EmulatorHandle;
  before(async () => {
    process.env.FGS_TEST_PARENT_SECRET = "must-not-leak";
    emu = await startEmulator();
  });
  after(async () => {
    delete process.env.FGS_TEST_PARENT_SECRET;
    await emu.close();
  });

  it("Node.js: the context object and the RUNTIME_* environment, built from scratch", async () => {
    await deploy(emu, "probe", { "index.js": CONTEXT_PROBE }, { user_data: { GREETING: "hi" }, memory_size: 256, timeout: 10 });
    const r = await sdkInvoke(emu, "probe");
    const out = r.parsed();
    assert.equal(out.requestId, r.requestId);
    assert.ok(out.remaining > 0 && out.remaining <= 10_000);
    assert.equal(out.greeting, "hi");
    assert.deepEqual([out.name, out.version, out.pkg, out.project, out.memory, out.cpu, out.timeout, out.alias, out.ak],
      ["probe", "latest", "default", emu.projectId, 256, 400, 10, "", ""]);
    const env = out.env as Record<string, string>;
    assert.equal(env.RUNTIME_FUNC_NAME, "probe");
    assert.equal(env.RUNTIME_HANDLER, "index.handler");
    assert.equal(env.RUNTIME_MEMORY, "256");
    assert.equal(env.RUNTIME_TIMEOUT, "10");
    assert.equal(env.RUNTIME_MAX_RESP_BODY_SIZE, "6291456");
    assert.equal(env.RUNTIME_USERDATA, JSON.stringify({ GREETING: "hi" }));
    assert.equal(env.GREETING, "hi");
    assert.equal(env.FGS_TEST_PARENT_SECRET, undefined, "the emulator's environment leaked into the function");
    for (const k of Object.keys(env)) assert.ok(!/^(HW_|HUAWEICLOUD_|NODE_OPTIONS|FGS_)/.test(k), `leaked ${k}`);
    assert.ok(JSON.stringify(env).indexOf(emu.credentials.secretKey) < 0, "the emulator's secret key reached the function");
  });

  it("Node.js: callback handlers, handlers in subfolders, .mjs and .cjs files", async () => {
    await deploy(emu, "cb", { "index.js": "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { via: 'callback', n: event.n }), 5); };" });
    assert.deepEqual((await sdkInvoke(emu, "cb", { n: 3 })).parsed(), { via: "callback", n: 3 });
    await deploy(emu, "sub", { "src/lib/main.js": "exports.run = async () => 'from a subfolder';" }, { handler: "src/lib/main.run" });
    assert.equal((await sdkInvoke(emu, "sub")).parsed(), "from a subfolder");
    await deploy(emu, "esm", { "index.mjs": "export const handler = async (event) => ({ esm: true, got: event.x });" });
    assert.deepEqual((await sdkInvoke(emu, "esm", { x: 1 })).parsed(), { esm: true, got: 1 });
    await deploy(emu, "cjs", { "index.cjs": "module.exports.handler = async () => ({ cjs: true });" });
    assert.deepEqual((await sdkInvoke(emu, "cjs")).parsed(), { cjs: true });
    await deploy(emu, "typemodule", { "package.json": '{"type":"module"}', "index.js": "export const handler = async () => 'esm .js';" });
    assert.equal((await sdkInvoke(emu, "typemodule")).parsed(), "esm .js");
  });

  it("Node.js: the initializer runs once per instance, before the first call", async () => {
    await deploy(emu, "init", {
      "index.js": "let inits = 0; exports.init = (context, callback) => { inits++; callback(null, ''); };\n" +
        "exports.handler = async () => ({ inits });",
    });
    await emu.modifyConfig(`default:init`, { initializer_handler: "index.init", initializer_timeout: 5 });
    assert.deepEqual((await sdkInvoke(emu, "init")).parsed(), { inits: 1 });
    assert.deepEqual((await sdkInvoke(emu, "init")).parsed(), { inits: 1 });
  });

  it("Node.js: a failing initializer fails the call after 3 attempts, with the reason", async () => {
    await deploy(emu, "badinit", { "index.js": "exports.init = async () => { throw new TypeError('no database'); }; exports.handler = async () => 'never';" });
    await emu.modifyConfig(`default:badinit`, { initializer_handler: "index.init", initializer_timeout: 5 });
    const r = await sdkInvoke(emu, "badinit");
    assert.equal(r.status, 500);
    assert.deepEqual(r.parsed(), { errorMessage: "the function instance could not start: no database", errorType: "TypeError" });
    assert.equal(r.log.match(/instance start failed/g)?.length, 3);
  });

  it("Python: handler, initializer, context and user data", async () => {
    await deploy(emu, "py", {
      "index.py": [
        "import os",
        "state = {'inits': 0}",
        "def init(context):",
        "    state['inits'] += 1",
        "def handler(event, context):",
        "    print('python says', event.get('name'))",
        "    context.getLogger().info('logged %s', 1)",
        "    return {'hello': event.get('name'), 'greeting': context.getUserData('GREETING'), 'inits': state['inits'],",
        "            'rid': context.getRequestID(), 'leak': os.environ.get('FGS_TEST_PARENT_SECRET'), 'mem': os.environ.get('FGS_MEMORY_LIMIT_BYTES')}",
      ].join("\n") + "\n",
    }, { runtime: "Python3.10", user_data: { GREETING: "hallo" } });
    await emu.modifyConfig(`default:py`, { initializer_handler: "index.init", initializer_timeout: 5 });
    const r = await sdkInvoke(emu, "py", { name: "ada" });
    assert.deepEqual(r.parsed(), { hello: "ada", greeting: "hallo", inits: 1, rid: r.requestId, leak: null, mem: null });
    assert.match(r.log, /python says ada\n/);
    assert.match(r.log, new RegExp(`Z ${r.requestId} INFO logged 1\n`));
  });

  it("Python: an exception is {errorMessage, errorType} with the traceback in the log", async () => {
    await deploy(emu, "pyerr", { "index.py": "def handler(event, context):\n    raise ValueError('bad input')\n" }, { runtime: "Python3.10" });
    const r = await sdkInvoke(emu, "pyerr");
    assert.equal(r.status, 500);
    assert.deepEqual(r.parsed(), { errorMessage: "bad input", errorType: "ValueError" });
    assert.match(r.log, /Traceback[\s\S]*ValueError: bad input/);
  });

  it("Python: handlers in subfolders (path or dotted), a non-JSON result, a missing handler", async () => {
    await deploy(emu, "pysub", { "src/app/main.py": "def handler(event, context):\n    return {'where': 'src/app'}\n" }, { runtime: "Python3.10", handler: "src/app/main.handler" });
    assert.deepEqual((await sdkInvoke(emu, "pysub")).parsed(), { where: "src/app" });
    await deploy(emu, "pydot", { "pkg/mod.py": "def handler(event, context):\n    return 'dotted'\n" }, { runtime: "Python3.10", handler: "pkg.mod.handler" });
    assert.equal((await sdkInvoke(emu, "pydot")).parsed(), "dotted");
    await deploy(emu, "pyset", { "index.py": "def handler(event, context):\n    return {1, 2}\n" }, { runtime: "Python3.10" });
    const set = await sdkInvoke(emu, "pyset");
    assert.equal(set.status, 500);
    assert.equal(set.parsed().errorType, "ResultNotSerializable");
    await deploy(emu, "pynone", { "index.py": "x = 1\n" }, { runtime: "Python3.10" });
    const none = await sdkInvoke(emu, "pynone");
    assert.equal(none.parsed().errorType, "HandlerNotFound");
  });

  it("Custom runtime: bootstrap pulls events from the runtime API and answers with response/error", async () => {
    const bootstrap = `#!/usr/bin/env node
const http = require("http");
const api = process.env.RUNTIME_API_ADDR;
function loop() {
  http.get("http://" + api + "/v1/runtime/invocation/request", (res) => {
    let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => {
      const id = res.headers["x-cff-request-id"];
      const event = JSON.parse(body);
      console.log("custom got", body, res.headers["x-cff-invoke-type"]);
      const ok = !event.fail;
      const out = JSON.stringify(ok ? { custom: true, echo: event, fn: process.env.RUNTIME_FUNC_NAME } : { errorType: "Boom", errorMessage: "asked to fail" });
      const req = http.request({ host: api.split(":")[0], port: api.split(":")[1], method: "POST",
        path: "/v1/runtime/invocation/" + (ok ? "response/" : "error/") + id }, (r) => { r.resume(); r.on("end", loop); });
      req.end(out);
    });
  });
}
loop();
`;
    await deploy(emu, "custom", { bootstrap: { data: bootstrap, mode: 0o755 } }, { runtime: "Custom", handler: "bootstrap.handler" });
    const ok = await sdkInvoke(emu, "custom", { a: 1 });
    assert.deepEqual(ok.parsed(), { custom: true, echo: { a: 1 }, fn: "custom" });
    assert.match(ok.log, /custom got \{"a":1\} sync/);
    const bad = await sdkInvoke(emu, "custom", { fail: true });
    assert.equal(bad.status, 500);
    assert.deepEqual(bad.parsed(), { errorMessage: "asked to fail", errorType: "Boom" });
  });

  it("isolation: the code is read-only at /opt/function/code, /tmp writable, the host out of sight, a uid of its own", async () => {
    await deploy(emu, "writer", {
      "index.js": `const fs = require("fs"), path = require("path"), os = require("os");
exports.handler = async () => {
  const tryWrite = (p) => { try { fs.writeFileSync(p, "x"); return "written"; } catch (e) { return e.code; } };
  return { code: tryWrite(path.join(__dirname, "new.txt")), tmp: tryWrite(path.join(os.tmpdir(), "ok.txt")),
    outside: tryWrite(${JSON.stringify(__filename + ".pwned")}), uid: process.getuid(), dir: __dirname, tmpdir: os.tmpdir() };
};`,
    });
    const out = (await sdkInvoke(emu, "writer")).parsed();
    const { uid, ...rest } = out;
    assert.deepEqual(rest, { code: "EROFS", tmp: "written", outside: "ENOENT", dir: "/opt/function/code", tmpdir: "/tmp" });
    assert.ok(uid >= SANDBOX_UID_BASE && uid < SANDBOX_UID_BASE + SANDBOX_UID_RANGE, `uid ${uid} is in the sandbox range`);
  });
});
