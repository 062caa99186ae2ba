/**
 * APIG triggers created through the API (the official SDK, as the `Trigger` resource does) are served on the
 * emulator's gateway: `curl <invoke_url>` reaches the function with the APIG event and answers with its
 * `{statusCode, headers, body, isBase64Encoded}`; the URL stays the same after a restart on the same data dir.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { startEmulator } from "../../emulator";
import { apigAnswer } from "../../emulator/apig/apig-gateway";
import { matchTemplate } from "../../emulator/apig/apig-routes";
import { fg, sdkClient } from "./helpers";
import { apigTrigger, curl, deploy, fgs, sdkInvoke, urnOf } from "./invoke-helpers";

const run = promisify(execFile);

const ECHO = `exports.handler = async (event, context) => ({
  statusCode: event.path.endsWith("/teapot") ? 418 : 200,
  headers: { "Content-Type": "application/json", "X-From": "fn" },
  body: JSON.stringify({ method: event.httpMethod, path: event.path, q: event.queryStringParameters, params: event.pathParameters,
    body: Buffer.from(event.body, "base64").toString(), b64: event.isBase64Encoded, stage: event.requestContext.stage,
    apiId: event.requestContext.apiId, hasRequestId: !!event.requestContext.requestId, ua: event.headers["user-agent"],
    custom: event.headers["x-custom"], version: context.getVersion() }),
  isBase64Encoded: false,
});`;

describe("APIG triggers on the emulator's gateway", () => {
  it("curl on invoke_url: the APIG event in, the APIG answer out; routes, methods, auth, failures", async (t) => {
    const emu = await startEmulator({ quiet: true, credentials: { authTokens: ["tok-123"] } });
    t.after(() => emu.close());
    await deploy(emu, "web", { "index.js": ECHO });
    await deploy(emu, "notapig", { "index.js": "exports.handler = async () => ({ hello: 'world' });" });
    await deploy(emu, "binary", { "index.js": "exports.handler = async () => ({ statusCode: 201, headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true });" });

    const users = await apigTrigger(emu, "web", { path: "/users/{id}", method: "POST" });
    assert.equal(users.url, `${emu.apigUrl}/apig/g1/RELEASE/users/{id}`, "invoke_url is the gateway's origin and the API's route");
    const base = `${emu.apigUrl}/apig/g1/RELEASE`;
    const r = await curl(`${base}/users/42?x=1&y=two`, ["-X", "POST", "-H", "X-Custom: yes", "-H", "Content-Type: text/plain", "--data-binary", "payload"]);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers["x-from"], "fn");
    const seen = JSON.parse(r.body);
    assert.deepEqual({ ...seen, ua: undefined, apiId: undefined }, {
      method: "POST", path: "/users/42", q: { x: "1", y: "two" }, params: { id: "42" }, body: "payload", b64: true, stage: "RELEASE",
      hasRequestId: true, custom: "yes", version: "latest", ua: undefined, apiId: undefined,
    });
    assert.match(seen.ua, /^curl\//);
    const shown = await sdkClient(emu).showFunctionTrigger(new fg.ShowFunctionTriggerRequest().withFunctionUrn(urnOf(emu, "web"))
      .withTriggerTypeCode("APIG").withTriggerId(users.id));
    assert.equal(seen.apiId, shown.event_data.api_id, "requestContext.apiId is the trigger's api_id");
    assert.equal(shown.event_data.invoke_url, users.url);

    // Method and path matching: another method is 405, an unknown path 404, a prefix (SWA) route takes sub-paths.
    assert.equal((await curl(`${base}/users/42`)).status, 405);
    const unknown = await curl(`${base}/nowhere`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /APIG\.0101/);
    await apigTrigger(emu, "web", { path: "/files", match: "SWA" });
    const deep = JSON.parse((await curl(`${base}/files/a/b.txt`)).body);
    assert.equal(deep.path, "/files/a/b.txt");
    assert.equal((await curl(`${base}/files/teapot`)).status, 418, "the function's statusCode is the answer's");

    // A Base64 body is decoded; a function answering another shape is a 500 at the gateway.
    await apigTrigger(emu, "binary", { path: "/bin" });
    const { stdout } = await run("curl", ["-s", `${base}/bin`], { encoding: "buffer" });
    assert.deepEqual([...stdout], [0, 1, 2, 255]);
    await apigTrigger(emu, "notapig", { path: "/plain" });
    const bad = await curl(`${base}/plain`);
    assert.equal(bad.status, 500);
    assert.match(bad.body, /APIG\.0206.*not an APIG response/);

    // auth IAM: unsigned is 401 APIG.0301; a token the emulator accepts gets through.
    await apigTrigger(emu, "web", { path: "/private", auth: "IAM" });
    const denied = await curl(`${base}/private`);
    assert.equal(denied.status, 401);
    assert.match(denied.body, /APIG\.0301/);
    assert.equal((await curl(`${base}/private`, ["-H", "X-Auth-Token: tok-123"])).status, 200);
  });

  it("a trigger on a version runs that version; the same event through the SDK and fgs invoke gives the same answer", async (t) => {
    const emu = await startEmulator({ quiet: true });
    t.after(() => emu.close());
    await deploy(emu, "web", { "index.js": ECHO });
    const client = sdkClient(emu);
    await client.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(urnOf(emu, "web")).withBody(
      new fg.CreateFunctionVersionRequestBody().withVersion("v1")));
    const v1 = await apigTrigger(emu, "web", { path: "/v1", qualifier: "v1" });
    const viaGateway = JSON.parse((await curl(v1.url)).body);
    assert.equal(viaGateway.version, "v1");
    const event = { httpMethod: "GET", path: "/v1", body: "", isBase64Encoded: true, headers: {}, queryStringParameters: {}, pathParameters: {}, requestContext: { stage: "RELEASE" } };
    const sdk = await sdkInvoke(emu, urnOf(emu, "web", "v1"), event);
    assert.equal(sdk.parsed().statusCode, 200);
    assert.equal(JSON.parse(sdk.parsed().body).version, "v1");
    const cli = await fgs(["invoke", urnOf(emu, "web", "v1"), "--data", JSON.stringify(event), "--endpoint", emu.url]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(JSON.parse(cli.stdout).body).path, "/v1");
  });

  it("invoke_url is the same after a restart on the same data dir, and answers", async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-apig-"));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const first = await startEmulator({ quiet: true, dataDir });
    await deploy(first, "web", { "index.js": ECHO });
    const { url } = await apigTrigger(first, "web", { path: "/hello" });
    assert.equal((await curl(url)).status, 200);
    const firstApi = first.url;
    await first.close();
    assert.notEqual((await curl(url).catch(() => ({ status: 0 }))).status, 200, "nothing answers while no emulator runs");

    const second = await startEmulator({ quiet: true, dataDir });
    try {
      assert.equal(second.url, firstApi, "the API is back on the data dir's port too (store/home-port.ts)");
      assert.equal(second.apigUrl, new URL(url).origin, "the gateway is back on the data dir's port");
      const listed = await sdkClient(second).listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(urnOf(second, "web")));
      assert.equal(listed[0].event_data.invoke_url, url);
      const r = await curl(url, ["-H", "X-Custom: again"]);
      assert.equal(r.status, 200);
      assert.equal(JSON.parse(r.body).custom, "again");
    } finally {
      await second.close();
    }

    // The port is taken by something else: a free one serves this run, and the API's invoke_url says which.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(new URL(url).port), "127.0.0.1", resolve));
    t.after(() => squatter.close());
    const third = await startEmulator({ quiet: true, dataDir });
    try {
      assert.notEqual(third.apigUrl, new URL(url).origin);
      const listed = await sdkClient(third).listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(urnOf(third, "web")));
      const now = listed[0].event_data.invoke_url as string;
      assert.equal(now, `${third.apigUrl}/apig/g1/RELEASE/hello`);
      assert.equal((await curl(now)).status, 200);
    } finally {
      await third.close();
    }
  });

  it("path templates: {name} takes one segment, a trailing {name+} the rest; NORMAL is exact, SWA a prefix", () => {
    assert.deepEqual(matchTemplate("/a/{id}", "/a/1", false), { id: "1" });
    assert.equal(matchTemplate("/a/{id}", "/a/1/2", false), undefined);
    assert.deepEqual(matchTemplate("/a/{id}", "/a/1/2", true), { id: "1" });
    assert.deepEqual(matchTemplate("/f/{rest+}", "/f/x/y", false), { rest: "x/y" });
    assert.equal(matchTemplate("/f/{rest+}", "/f", false), undefined);
    assert.equal(matchTemplate("/a", "/b", true), undefined);
  });

  it("apigAnswer: statusCode required, body a string, Base64 decoded when flagged", () => {
    assert.equal(apigAnswer('{"body":"x"}'), undefined);
    assert.equal(apigAnswer('{"statusCode":200,"body":{}}'), undefined);
    assert.equal(apigAnswer("not json"), undefined);
    assert.deepEqual(apigAnswer(JSON.stringify({ statusCode: 201, body: Buffer.from("hi").toString("base64"), isBase64Encoded: true }))?.body, Buffer.from("hi"));
  });
});
