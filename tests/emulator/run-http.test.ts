/**
 * HTTP functions (runtime `http`): the package's `bootstrap` starts a web server on 127.0.0.1:8000 — every
 * instance in the sandbox, as its function's own user, with a network namespace of its own (so its own port 8000)
 * — reached through an APIG trigger (`curl`), the official SDK's `invokeFunction` and `fgs invoke` with an APIG
 * event; per-instance concurrency serves several requests in one server.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { fg, sdkClient, sdkError } from "./helpers";
import * as fs from "node:fs";
import { apigTrigger, curl, deploy, eventually, fgs, markedProcessExists, sdkInvoke, uniqueMarker, urnOf } from "./invoke-helpers";

// Each server reports who and where it is: its uid, its network namespace, whether the emulator's port (PROBE)
// is reachable from it, and its code dir's writability; MARK names its process for the host to find.
const SERVER = `const http = require("node:http");
const fs = require("node:fs");
const net = require("node:net");
if (process.env.MARK) process.title = process.env.MARK; // (a title no longer than the command line it replaces)
let inFlight = 0;
function reaches(port) {
  return new Promise((resolve) => {
    const s = net.connect(Number(port), "127.0.0.1");
    s.on("connect", () => { s.destroy(); resolve(true); });
    s.on("error", () => resolve(false));
  });
}
http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    inFlight++;
    const url = new URL(req.url, "http://x");
    const want = Number(url.searchParams.get("want") || 1);
    let most = inFlight;
    const end = Date.now() + 4000;
    while (inFlight < want && Date.now() < end) { await new Promise((r) => setTimeout(r, 10)); most = Math.max(most, inFlight); }
    most = Math.max(most, inFlight);
    console.log("served " + req.method + " " + req.url);
    const status = url.pathname === "/teapot" ? 418 : 200;
    res.writeHead(status, { "Content-Type": "application/json", "X-From": "server" });
    let codeWritable = true;
    try { fs.writeFileSync(process.env.RUNTIME_CODE_ROOT + "/planted", "x"); } catch { codeWritable = false; }
    const probe = process.env.PROBE ? await reaches(process.env.PROBE) : undefined;
    res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), most,
      uid: process.getuid(), netns: fs.readlinkSync("/proc/self/ns/net"), reachesEmulator: probe, codeWritable,
      name: process.env.NAME, requestId: req.headers["x-cff-request-id"], funcName: req.headers["x-cff-func-name"],
      memory: req.headers["x-cff-memory"], custom: req.headers["x-custom"] }));
    setTimeout(() => inFlight--, 50);
  });
}).listen(8000, "127.0.0.1");
`;

const BOOTSTRAP = { data: "#!/bin/sh\nexec node \"$RUNTIME_CODE_ROOT/server.js\"\n", mode: 0o755 };

async function httpFunction(emu: EmulatorHandle, name: string, concurrency = 1, vars: Record<string, string> = {}): Promise<void> {
  const userData = { NAME: name, PROBE: String(new URL(emu.url).port), ...vars };
  await deploy(emu, name, { bootstrap: BOOTSTRAP, "server.js": SERVER }, { runtime: "http", handler: "bootstrap.handler", user_data: userData });
  await sdkClient(emu).updateFunctionConfig(new fg.UpdateFunctionConfigRequest().withFunctionUrn(urnOf(emu, name)).withBody(
    new fg.UpdateFunctionConfigRequestBody().withFuncName(name).withRuntime("http").withTimeout(15).withHandler("bootstrap.handler")
      .withMemorySize(256).withUserData(JSON.stringify(userData)).withStrategyConfig(new fg.StrategyConfig().withConcurrentNum(concurrency))));
}

/** The server's JSON answer inside an APIG answer (Base64 body). */
function served(out: { parsed: () => { body: string } }): Record<string, unknown> {
  return JSON.parse(Buffer.from(out.parsed().body, "base64").toString()) as Record<string, unknown>;
}

/** An APIG event as the gateway sends it. */
function apigEvent(method: string, path: string, body: string, query: Record<string, string> = {}) {
  return { httpMethod: method, path, queryStringParameters: query, headers: { "x-custom": "evt" }, body: Buffer.from(body).toString("base64"),
    isBase64Encoded: true, pathParameters: {}, requestContext: { stage: "RELEASE" } };
}

describe("HTTP functions (runtime http)", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    await httpFunction(emu, "web");
    await httpFunction(emu, "other");
    await httpFunction(emu, "shared", 3);
  });
  after(() => emu.close());

  it("curl on the APIG trigger reaches the server: method, path, query, body, headers; its answer as sent", async () => {
    const { url } = await apigTrigger(emu, "web", { path: "/api", match: "SWA" });
    const r = await curl(`${url}/items?x=1`, ["-X", "PUT", "-H", "X-Custom: yes", "--data-binary", "hello"]);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers["x-from"], "server");
    const seen = JSON.parse(r.body);
    assert.deepEqual([seen.method, seen.url, seen.body, seen.name, seen.funcName, seen.memory, seen.custom],
      ["PUT", "/api/items?x=1", "hello", "web", "web", "256", "yes"]);
    assert.match(seen.requestId, /^[0-9a-f-]{36}$/);
    assert.equal((await curl(`${url}/teapot`)).status, 200, "/api/teapot is not /teapot");
    // It runs sandboxed: a user of its own (never root, never the emulator's), a network namespace of its own (the
    // emulator's loopback port is out of its reach), its code read-only.
    assert.equal(typeof seen.uid, "number");
    assert.notEqual(seen.uid, 0);
    assert.notEqual(seen.uid, process.getuid?.());
    assert.notEqual(seen.netns, fs.readlinkSync("/proc/self/ns/net"));
    assert.equal(seen.reachesEmulator, false, "the emulator's port is not reachable from an HTTP function");
    assert.equal(seen.codeWritable, false);
    // The server's output travels on its own pipe: it reaches the call's record shortly after the answer.
    await eventually(() => (/served PUT \/api\/items\?x=1/.test(emu.invocations({ requestId: seen.requestId })[0]?.log ?? "") ? true : undefined), 5000);
  });

  it("every instance has its own 127.0.0.1:8000: two functions serve at once", async () => {
    const [a, b] = await Promise.all(["web", "other"].map((n) => sdkInvoke(emu, n, apigEvent("POST", "/teapot", "sdk body"))));
    for (const [out, name] of [[a, "web"], [b, "other"]] as const) {
      assert.equal(out.status, 200, out.result);
      const answer = out.parsed();
      assert.equal(answer.statusCode, 418);
      assert.equal(answer.isBase64Encoded, true);
      const body = JSON.parse(Buffer.from(answer.body, "base64").toString());
      assert.deepEqual([body.name, body.body, body.custom], [name, "sdk body", "evt"]);
    }
    // Without a namespace each, the second server could not bind 127.0.0.1:8000 and its call would fail.
    const [na, nb] = [a, b].map(served);
    assert.notEqual(na.netns, nb.netns);
    assert.notEqual(na.uid, nb.uid, "two functions run as two users");
  });

  it("fgs invoke with an APIG event; async invocation is refused as the service does", async () => {
    const r = await fgs(["invoke", "web", "--data", JSON.stringify(apigEvent("GET", "/cli", "", { q: "1" })), "--endpoint", emu.url]);
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout);
    assert.equal(answer.statusCode, 200);
    assert.equal(JSON.parse(Buffer.from(answer.body, "base64").toString()).url, "/cli?q=1");
    // An event that is not an APIG event is POSTed to / as JSON.
    const plain = await fgs(["invoke", "web", "--data", '{"a":1}', "--endpoint", emu.url]);
    assert.equal(plain.code, 0, plain.stderr);
    const seen = JSON.parse(Buffer.from(JSON.parse(plain.stdout).body, "base64").toString());
    assert.deepEqual([seen.method, seen.url, JSON.parse(seen.body)], ["POST", "/", { a: 1 }]);
    const e = await sdkError(sdkClient(emu).asyncInvokeFunction(new fg.AsyncInvokeFunctionRequest().withFunctionUrn(urnOf(emu, "web")).withBody({})));
    assert.equal(e.status, 400);
    assert.match(e.msg, /cannot be invoked asynchronously/);
  });

  it("concurrencyNum 3: three requests at once are served by one server", async () => {
    const warm = served(await sdkInvoke(emu, "shared", apigEvent("GET", "/", "")));
    const { url } = await apigTrigger(emu, "shared", { path: "/together" });
    const answers = await Promise.all([1, 2, 3].map(() => curl(`${url}?want=3`)));
    for (const r of answers) {
      assert.equal(r.status, 200, r.body);
      // One instance: its network namespace (one per instance) is the warm call's.
      assert.deepEqual([JSON.parse(r.body).netns, JSON.parse(r.body).most], [warm.netns, 3]);
    }
  });

  it("unsandboxed (--unsafe-no-sandbox), an HTTP function is refused with a 400 saying it needs the sandbox", async () => {
    const unsafe = await startEmulator({ quiet: true, runtime: { unsafeNoSandbox: true } });
    try {
      await httpFunction(unsafe, "nosandbox");
      const e = await sdkError(sdkClient(unsafe).invokeFunction(new fg.InvokeFunctionRequest().withFunctionUrn(urnOf(unsafe, "nosandbox"))
        .withBody(apigEvent("GET", "/", ""))));
      assert.equal(e.status, 400);
      assert.match(e.msg, /network namespace of its own[\s\S]*--unsafe-no-sandbox/);
    } finally {
      await unsafe.close();
    }
  });

  it("closing the emulator ends the servers", async () => {
    const own = await startEmulator({ quiet: true });
    const mark = uniqueMarker();
    await httpFunction(own, "short", 1, { MARK: mark });
    const out = await sdkInvoke(own, "short", apigEvent("GET", "/", ""));
    assert.equal(out.status, 200, out.result);
    assert.ok(markedProcessExists(mark));
    await own.close();
    await eventually(() => (markedProcessExists(mark) ? undefined : true), 5000);
  });
});
