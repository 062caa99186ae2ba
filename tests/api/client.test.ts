import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { FunctionGraphClient, type FunctionGraphClientOptions } from "../../provider/api/client";
import type { RetryInfo } from "../../provider/api/transport";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";
import { FunctionGraphError, InvalidRequestError, NetworkError, ResponseSchemaError } from "../../provider/api/errors";
import type { Credentials } from "../../provider/auth/resolve-target";
import { signRequest } from "../../provider/auth/sign-request";
import { SEED_FUNCTION_LIST, SEED_IMPORT_200 } from "./fixtures/seed-examples";
import { json, startLoopback, type Handler, type Loopback, type Recorded } from "./loopback-server";

after(closeDispatchers);

const PROJECT = "0123456789abcdef0123456789abcdef";
const AK = "AKLOOKSLIKEANACCESSKEY";
const SK = "sk-super-secret-0123456789abcdefghijklmnop";
const TOKEN = "temporary-security-token-abcdef0123456789";
const AKSK: Credentials = { kind: "aksk", accessKey: AK, secretKey: SK, securityToken: TOKEN };
const URN = `urn:fss:cn-north-4:${PROJECT}:function:default:hello`;
const MODEL = { ...JSON.parse(SEED_IMPORT_200), func_urn: URN, func_name: "hello" };
const IMPORT = { func_name: "hello", file_name: "hello.zip", file_type: "zip" as const, file_code: Buffer.from("zip").toString("base64") };
const FUNCTIONS = `/v2/${PROJECT}/fgs/functions`;

const ok: Handler = (_req, res) => json(res, 200, MODEL, "req-ok");
const status = (code: number, errorCode: string, msg: string): Handler => (_req, res) =>
  json(res, code, { error_code: errorCode, error_msg: msg }, `req-${code}`);
/** Sends headers announcing 1000 bytes, 10 of them, then drops the connection. */
const resetMidBody: Handler = (_req, res) => {
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": 1000 });
  res.write('{"func_urn');
  setTimeout(() => res.socket?.destroy(), 5);
};
/** Drops the connection without answering. */
const resetBeforeAnswer: Handler = (_req, res) => void res.socket?.destroy();
/** Answers after `ms` (timer unref'd so a closed test never waits for it). */
const slow = (ms: number): Handler => (_req, res) => void setTimeout(() => json(res, 200, MODEL), ms).unref();

async function serve(t: { after(fn: () => Promise<void>): void }, script: Handler[], port?: number): Promise<Loopback> {
  const srv = await startLoopback(script, port);
  t.after(() => srv.close());
  return srv;
}

function clientFor(srv: { url: string }, extra: Partial<FunctionGraphClientOptions> = {}): FunctionGraphClient {
  return new FunctionGraphClient({ endpoint: srv.url, projectId: PROJECT, credentials: AKSK, retryBaseDelayMs: 0,
    sleep: async () => undefined, timeoutMs: 2000, maxRetries: 3, ...extra });
}

/** Verifies a received request's signature the way the gateway would: recompute over the listed headers. */
function assertSignatureValid(rec: Recorded, origin: string): void {
  const auth = rec.headers.authorization;
  const signed = /SignedHeaders=([^,]+),/.exec(auth)![1].split(";");
  const headers = Object.fromEntries(signed.map((n) => [n, rec.headers[n]]));
  const again = signRequest({ method: rec.method, url: origin + rec.url, headers, body: rec.body, signedHeaders: signed },
    { accessKey: AK, secretKey: SK });
  assert.equal(again.Authorization, auth);
}

/** Every text an error exposes: message, stack, own properties. */
const errorTexts = (e: unknown) => [String(e), (e as Error).stack ?? "", JSON.stringify(e)].join("\n");

test("sends X-Project-Id, Content-Type, X-Security-Token and a valid signature over the raw-colon URN path", async (t) => {
  const srv = await serve(t, [ok]);
  const model = await clientFor(srv).getFunctionConfig(`${URN}:latest`);
  assert.equal(model.func_urn, URN);
  const [rec] = srv.requests;
  assert.equal(rec.url, `${FUNCTIONS}/${URN}:latest/config`);
  assert.equal(rec.headers["x-project-id"], PROJECT);
  assert.equal(rec.headers["content-type"], "application/json");
  assert.equal(rec.headers["x-security-token"], TOKEN);
  assert.match(rec.headers["x-sdk-date"], /^\d{8}T\d{6}Z$/);
  assert.match(rec.headers.authorization,
    new RegExp(`^SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$`));
  assertSignatureValid(rec, srv.url);
});

test("token credentials send X-Auth-Token and no signature", async (t) => {
  const srv = await serve(t, [ok]);
  const code = await clientFor(srv, { credentials: { kind: "token", authToken: "iam-token-value" } }).getFunctionCode(URN);
  assert.equal(code.func_urn, URN);
  const [rec] = srv.requests;
  assert.equal(rec.headers["x-auth-token"], "iam-token-value");
  assert.equal(rec.headers.authorization, undefined);
  assert.equal(rec.headers["x-project-id"], PROJECT);
});

test("429 then 200: retried after a backoff, re-signed with a fresh X-Sdk-Date", async (t) => {
  const srv = await serve(t, [status(429, "FSS.0429", "api is busy now"), ok]);
  const retries: RetryInfo[] = [];
  const dates = [new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:03Z")];
  const client = clientFor(srv, { onRetry: (i) => retries.push(i), now: () => dates.shift()!, retryBaseDelayMs: 100 });
  assert.equal((await client.getFunctionConfig(URN)).func_name, "hello");
  assert.deepEqual(client.stats(), { requests: 2, retries: 1 });
  assert.equal(retries.length, 1);
  assert.equal(retries[0].reason, "HTTP 429 FSS.0429");
  assert.ok(retries[0].delayMs >= 0 && retries[0].delayMs < 100);
  assert.deepEqual(srv.requests.map((r) => r.headers["x-sdk-date"]), ["20260101T000000Z", "20260101T000003Z"]);
  for (const rec of srv.requests) assertSignatureValid(rec, srv.url);
});

test("connection reset mid-body on a GET is retried", async (t) => {
  const srv = await serve(t, [resetMidBody, ok]);
  const client = clientFor(srv);
  assert.equal((await client.getFunctionConfig(URN)).func_urn, URN);
  assert.equal(srv.requests.length, 2);
  assert.equal(client.stats().retries, 1);
});

test("a response slower than the timeout fails as a timeout (GET: not ambiguous); retries then succeed", async (t) => {
  const srv = await serve(t, [slow(1500)]);
  const started = Date.now();
  await assert.rejects(clientFor(srv, { timeoutMs: 100, maxRetries: 0 }).getFunctionConfig(URN), (e: unknown) => {
    assert.ok(e instanceof NetworkError);
    assert.equal(e.kind, "timeout");
    assert.equal(e.ambiguous, false);
    assert.match(e.message, new RegExp(`network timeout: .*100 ms \\(GET ${FUNCTIONS}/${URN}/config\\)`));
    return true;
  });
  assert.ok(Date.now() - started < 1000, "gave up at the timeout, not when the server answered");

  const srv2 = await serve(t, [slow(1500), ok]);
  assert.equal((await clientFor(srv2, { timeoutMs: 100 }).getFunctionConfig(URN)).func_name, "hello");
  assert.equal(srv2.requests.length, 2);
});

test("import is not retried after an ambiguous failure (timeout, reset, 5xx); the error says so", async (t) => {
  for (const [name, handler] of [["timeout", slow(1500)], ["reset", resetBeforeAnswer], ["503", status(503, "FSS.0503", "try again later")]] as const) {
    const srv = await serve(t, [handler, ok]);
    const client = clientFor(srv, { timeoutMs: 150, maxRetries: 4 });
    await assert.rejects(client.importFunction(IMPORT), (e: unknown) => {
      assert.ok(e instanceof NetworkError || e instanceof FunctionGraphError, name);
      assert.equal(e.ambiguous, true, name);
      assert.match(e.message, /may have reached the server: look the function up before retrying/);
      return true;
    });
    assert.equal(srv.requests.length, 1, `${name}: exactly one attempt`);
    assert.deepEqual(client.stats(), { requests: 1, retries: 0 });
  }
});

test("import IS retried after 429 and after connection refused (never reached)", async (t) => {
  const srv = await serve(t, [status(429, "APIG.0308", "throttled"), ok]);
  assert.equal((await clientFor(srv).importFunction(IMPORT)).func_name, "hello");
  assert.equal(srv.requests.length, 2);
  assert.deepEqual(JSON.parse(srv.requests[1].body.toString()), IMPORT);

  // A port nobody listens on; the server comes up during the first backoff.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  let late: Loopback | undefined;
  const reasons: string[] = [];
  const client = clientFor({ url: `http://127.0.0.1:${port}` }, {
    onRetry: (i) => reasons.push(i.reason),
    sleep: async () => { late ??= await serve(t, [ok], port); },
  });
  assert.equal((await client.importFunction(IMPORT)).func_name, "hello");
  assert.deepEqual(reasons, ["connection refused (ECONNREFUSED)"]);
  assert.equal(late?.requests.length, 1);
});

test("a streamed import (importFunctionPackage) sends the in-memory request byte for byte, signed, again on each attempt", async (t) => {
  const { buildImportPackage, importPackage } = await import("../../provider/api/import-package");
  const settings = { funcName: "hello", runtime: "Node.js20.15", handler: "index.handler", memorySize: 256, timeout: 30 };
  const code = Buffer.alloc(300 * 1024 + 1);
  for (let i = 0; i < code.length; i++) code[i] = (i * 7919) % 251;
  for (const app of [undefined, "app_1"]) {
    const srv = await serve(t, [status(429, "APIG.0308", "throttled"), ok]);
    const expected = Buffer.from(JSON.stringify({ ...buildImportPackage(settings, code).request, ...(app ? { package: app } : {}) }));
    assert.equal((await clientFor(srv).importFunctionPackage(importPackage(settings, code), app)).func_name, "hello");
    assert.equal(srv.requests.length, 2, "retried after 429");
    for (const rec of srv.requests) {
      assert.ok(rec.body.equals(expected), `body of attempt ${srv.requests.indexOf(rec) + 1}, package ${app}`);
      assert.equal(rec.headers["content-length"], String(expected.length));
      assertSignatureValid(rec, srv.url);
    }
  }
});

test("connection refused until retries run out: unreachable, not ambiguous, attempts = 1 + maxRetries", async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const client = clientFor({ url: `http://127.0.0.1:${port}` }, { maxRetries: 2 });
  await assert.rejects(client.importFunction(IMPORT), (e: unknown) =>
    e instanceof NetworkError && e.kind === "unreachable" && e.ambiguous === false && e.transportCode === "ECONNREFUSED" && e.code === "FGS_NETWORK");
  assert.deepEqual(client.stats(), { requests: 3, retries: 2 });
});

test("connection refused: at most two brief retries whatever maxRetries says, and the error names the endpoint and the fix", async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const waits: number[] = [];
  const client = clientFor({ url: `http://127.0.0.1:${port}` }, { maxRetries: 5, retryBaseDelayMs: 1000, sleep: async (ms) => { waits.push(ms); } });
  await assert.rejects(client.getFunctionConfig(URN), (e: unknown) => {
    assert.ok(e instanceof NetworkError && e.kind === "unreachable" && e.endpoint === `http://127.0.0.1:${port}`);
    assert.match(e.message, new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\): .*\\(GET ${FUNCTIONS}/${URN}/config\\) — nothing listens there: start the emulator \\(\`fgs emulator --port ${port} --data-dir <its data dir>\`\\), or set functiongraph:endpoint`));
    return true;
  });
  assert.deepEqual(client.stats(), { requests: 3, retries: 2 });
  assert.equal(waits.length, 2);
  assert.ok(waits[0] < 500 && waits[1] < 1000, `backoff from 500 ms at most: ${waits.join(", ")}`);
});

test("an unreachable remote endpoint's error says to check the endpoint setting, DNS and the network", () => {
  const e = new NetworkError({ method: "GET", path: "/v2/p/fgs/functions", kind: "unreachable", code: "ENOTFOUND", detail: "getaddrinfo ENOTFOUND fgs.example", endpoint: "https://fgs.example" });
  assert.match(e.message, /^cannot reach https:\/\/fgs\.example: host name not resolved \(ENOTFOUND\).* — check functiongraph:endpoint \(or the resource's endpoint\) \(env HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_<REGION>\), DNS and the network$/);
  const reset = new NetworkError({ method: "GET", path: "/x", kind: "reset", code: "ECONNRESET", detail: "socket hang up", endpoint: "https://fgs.example" });
  assert.match(reset.message, /^connection lost \(ECONNRESET\): socket hang up \(GET \/x\)$/, "only a connection never made gets the endpoint advice");
});

test("a network error says what its low-level code means: refused, not resolved, no route, timed out", () => {
  const words = (kind: "unreachable" | "timeout" | "other", code: string) =>
    new NetworkError({ method: "GET", path: "/x", kind, code, detail: "d" }).message.replace(/: d \(GET \/x\)$/, "");
  assert.deepEqual(
    [words("unreachable", "ECONNREFUSED"), words("unreachable", "ENOTFOUND"), words("unreachable", "EAI_AGAIN"), words("unreachable", "EHOSTUNREACH"),
      words("unreachable", "ENETUNREACH"), words("timeout", "ETIMEDOUT"), words("other", "EPROTO")],
    ["connection refused (ECONNREFUSED)", "host name not resolved (ENOTFOUND)", "host name not resolved (EAI_AGAIN)", "no route to the host (EHOSTUNREACH)",
      "no route to the host (ENETUNREACH)", "connection timed out (ETIMEDOUT)", "network other (EPROTO)"],
  );
});

test("5xx on a GET is retried until maxRetries, then a typed error; other 4xx are never retried", async (t) => {
  const srv = await serve(t, [status(503, "FSS.0503", "try again later")]);
  const client = clientFor(srv, { maxRetries: 2 });
  await assert.rejects(client.getFunctionConfig(URN), (e: unknown) =>
    e instanceof FunctionGraphError && e.status === 503 && e.ambiguous === false);
  assert.equal(srv.requests.length, 3);

  const srv2 = await serve(t, [status(400, "FSS.1005", "invalid runtime"), ok]);
  await assert.rejects(clientFor(srv2).getFunctionConfig(URN), (e: unknown) => e instanceof FunctionGraphError && e.status === 400);
  assert.equal(srv2.requests.length, 1);
});

test("an error body becomes a FunctionGraphError with code, message, request id, method and path", async (t) => {
  const srv = await serve(t, [status(409, "FSS.1061", "The function has existed")]);
  await assert.rejects(clientFor(srv).importFunction(IMPORT), (e: unknown) => {
    assert.ok(e instanceof FunctionGraphError);
    assert.equal(e.message, `FSS.1061 The function has existed (HTTP 409, POST ${FUNCTIONS}/import, request req-409)`);
    assert.deepEqual([e.status, e.errorCode, e.errorMsg, e.requestId, e.method, e.path, e.ambiguous],
      [409, "FSS.1061", "The function has existed", "req-409", "POST", `${FUNCTIONS}/import`, false]);
    return true;
  });
  assert.equal(srv.requests.length, 1);
});

test("well-known codes carry a hint; a non-JSON error body becomes a short snippet", async (t) => {
  const srv = await serve(t, [status(401, "APIGW.0301", "Incorrect IAM authentication information")]);
  await assert.rejects(clientFor(srv).getFunctionConfig(URN), (e: unknown) => e instanceof FunctionGraphError &&
    e.message.endsWith("— check the access key and secret key (or token) and the machine clock"));
  const srv2 = await serve(t, [status(413, "FSS.1071", "too large")]);
  await assert.rejects(clientFor(srv2).importFunction(IMPORT), /FSS\.1071 too large .* — the code package is too large/);
  const srv3 = await serve(t, [(_q, res) => { res.writeHead(404, { "Content-Type": "text/html" }); res.end("<h1>Not   Found</h1>"); }]);
  await assert.rejects(clientFor(srv3).getFunctionConfig(URN), (e: unknown) =>
    e instanceof FunctionGraphError && e.errorCode === undefined && e.errorMsg === "HTTP 404: <h1>Not Found</h1>");
});

test("malformed JSON, a missing required field and a wrong type are schema errors naming the field", async (t) => {
  const srv = await serve(t, [(_q, res) => { res.writeHead(200, { "Content-Type": "application/json" }); res.end("{not json"); }]);
  await assert.rejects(clientFor(srv).getFunctionConfig(URN), (e: unknown) =>
    e instanceof ResponseSchemaError && e.field === undefined && /not valid JSON/.test(e.message));
  assert.equal(srv.requests.length, 1, "a 200 is never retried");

  const { memory_size: _m, ...missing } = MODEL;
  const srv2 = await serve(t, [(_q, res) => json(res, 200, missing, "req-2")]);
  await assert.rejects(clientFor(srv2).getFunctionConfig(URN), (e: unknown) => {
    assert.ok(e instanceof ResponseSchemaError);
    assert.equal(e.field, "memory_size");
    assert.match(e.message, new RegExp(`^unexpected response: field "memory_size": .*\\(HTTP 200, GET ${FUNCTIONS}/${URN}/config, request req-2\\)$`));
    return true;
  });
  const list = JSON.parse(SEED_FUNCTION_LIST);
  list.functions[0].timeout = "3";
  const srv3 = await serve(t, [(_q, res) => json(res, 200, list)]);
  await assert.rejects(clientFor(srv3).listFunctions(), (e: unknown) => e instanceof ResponseSchemaError && e.field === "functions.0.timeout");
});

test("unexpected extra fields are tolerated and kept", async (t) => {
  const srv = await serve(t, [(_q, res) => json(res, 200, { ...MODEL, brand_new_field: { nested: [1, 2] }, func_vpc: null })]);
  const model = await clientFor(srv).getFunctionConfig(URN);
  assert.deepEqual((model as Record<string, unknown>).brand_new_field, { nested: [1, 2] });
});

test("delete: 204 and 404 both resolve; :latest is stripped from the path", async (t) => {
  const srv = await serve(t, [(_q, res) => { res.writeHead(204); res.end(); }, status(404, "FSS.1051", "Not found the function")]);
  const client = clientFor(srv);
  await client.deleteFunction(`${URN}:latest`);
  await client.deleteFunction(URN);
  assert.deepEqual(srv.requests.map((r) => `${r.method} ${r.url}`), [`DELETE ${FUNCTIONS}/${URN}`, `DELETE ${FUNCTIONS}/${URN}`]);
});

test("no credential (AK, SK, token) appears in any error text or retry report, even when the server echoes them", async (t) => {
  const echo: Handler = (req, res) => json(res, 500, { error_code: "FSS.0500",
    error_msg: `you sent ${req.headers.authorization} token=${req.headers["x-security-token"]} auth=${req.headers["x-auth-token"]}` });
  const srv = await serve(t, [echo]);
  const reports: RetryInfo[] = [];
  const errors: unknown[] = [];
  await clientFor(srv, { maxRetries: 1, onRetry: (i) => reports.push(i) }).getFunctionConfig(URN).catch((e) => errors.push(e));
  await clientFor(srv, { maxRetries: 0 }).importFunction(IMPORT).catch((e) => errors.push(e));
  const tokenClient = clientFor(srv, { maxRetries: 0, credentials: { kind: "token", authToken: "iam-token-secret-value" } });
  await tokenClient.getFunctionConfig(URN).catch((e) => errors.push(e));
  const refused = clientFor({ url: "http://127.0.0.1:1" }, { maxRetries: 0 });
  await refused.getFunctionConfig(URN).catch((e) => errors.push(e));
  assert.equal(errors.length, 4);
  const text = errors.map(errorTexts).join("\n") + JSON.stringify(reports);
  assert.match(text, /you sent SDK-HMAC-SHA256/, "the echo reached the message");
  for (const secret of [AK, SK, TOKEN, "iam-token-secret-value"]) assert.ok(!text.includes(secret), "no credential in error text");
  assert.ok(!/Signature=[0-9a-f]{64}/.test(text), "no signature either");
});

test("listFunctions follows next_marker with maxitems and package_name", async (t) => {
  const fn = (name: string) => ({ ...MODEL, func_name: name, func_urn: `${URN.replace(/hello$/, name)}` });
  const srv = await serve(t, [
    (_q, res) => json(res, 200, { functions: [fn("a"), fn("b")], next_marker: 2, count: 3 }),
    (_q, res) => json(res, 200, { functions: [fn("c")], next_marker: 3, count: 3 }),
  ]);
  const all = await clientFor(srv).listFunctions({ packageName: "app_1", pageSize: 2 });
  assert.deepEqual(all.map((f) => f.func_name), ["a", "b", "c"]);
  assert.deepEqual(srv.requests.map((r) => r.url), [
    `${FUNCTIONS}?maxitems=2&package_name=app_1`, `${FUNCTIONS}?marker=2&maxitems=2&package_name=app_1`]);
  for (const rec of srv.requests) assertSignatureValid(rec, srv.url);
});

test("update code/config and publish version send validated bodies; PUT is retried, publish is not", async (t) => {
  const code = { func_urn: URN, code_type: "zip", code_filename: "code.zip", code_size: 3, digest: "d".repeat(128),
    last_modified: "2026-01-01T00:00:00+08:00" };
  const srv = await serve(t, [status(502, "FSS.0500", "bad gateway"), (_q, res) => json(res, 200, code)]);
  const client = clientFor(srv);
  const body = { code_type: "zip" as const, code_filename: "code.zip", func_code: { file: Buffer.from("abc").toString("base64") } };
  assert.equal((await client.updateFunctionCode(URN, body)).code_size, 3);
  assert.deepEqual(srv.requests.map((r) => r.method), ["PUT", "PUT"]);
  assert.deepEqual(JSON.parse(srv.requests[1].body.toString()), body);

  const srv2 = await serve(t, [status(500, "FSS.0500", "internal"), ok]);
  await assert.rejects(clientFor(srv2).publishVersion(URN, { version: "v1" }), (e: unknown) => e instanceof FunctionGraphError && e.ambiguous);
  assert.equal(srv2.requests.length, 1);

  const srv3 = await serve(t, [ok]);
  const cfg = { func_name: "hello", runtime: "Node.js20.15", timeout: 30, handler: "index.handler", memory_size: 256, user_data: '{"A":"1"}' };
  assert.equal((await clientFor(srv3).updateFunctionConfig(URN, cfg)).func_name, "hello");
  assert.equal(srv3.requests[0].url, `${FUNCTIONS}/${URN}/config`);
});

test("invalid request bodies are refused before anything is sent", async (t) => {
  const srv = await serve(t, [ok]);
  const client = clientFor(srv);
  await assert.rejects(client.importFunction({ ...IMPORT, func_name: "1-bad-" }), (e: unknown) =>
    e instanceof InvalidRequestError && e.field === "func_name");
  await assert.rejects(client.updateFunctionConfig(URN, { func_name: "hello", runtime: "Node.js20.15", timeout: 30,
    handler: "index.handler", memory_size: 100 }), (e: unknown) => e instanceof InvalidRequestError && e.field === "memory_size");
  assert.equal(srv.requests.length, 0);
});

test("exportFunction returns zip bytes or the JSON body depending on Content-Type", async (t) => {
  const zip = Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0, 0]);
  const srv = await serve(t, [
    (_q, res) => { res.writeHead(200, { "Content-Type": "application/zip" }); res.end(zip); },
    (_q, res) => json(res, 200, { file_name: "hello.zip", code_url: "https://obs.example/hello.zip" }),
  ]);
  const client = clientFor(srv);
  const raw = await client.exportFunction(URN, { type: "code" });
  assert.equal(raw.kind, "zip");
  assert.ok(raw.kind === "zip" && raw.data.equals(zip));
  assert.deepEqual(await client.exportFunction(URN, { type: "config" }),
    { kind: "json", body: { file_name: "hello.zip", code_url: "https://obs.example/hello.zip" } });
  assert.deepEqual(srv.requests.map((r) => r.url), [`${FUNCTIONS}/${URN}/export?type=code`, `${FUNCTIONS}/${URN}/export?type=config`]);
});

test("an endpoint with a base path is honoured; a malformed endpoint is refused", async (t) => {
  const srv = await serve(t, [ok]);
  await clientFor({ url: `${srv.url}/gateway/` }).getFunctionConfig("hello");
  assert.equal(srv.requests[0].url, `/gateway${FUNCTIONS}/hello/config`);
  assertSignatureValid(srv.requests[0], srv.url);
  assert.throws(() => clientFor({ url: "not a url" }), /endpoint must be an absolute http\(s\) URL/);
});
