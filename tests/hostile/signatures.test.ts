/**
 * Signature coverage: a body hash header counts only when signed and then must match the body; `x-sdk-date`
 * must be signed; a request is authenticated from its headers before its body is read; the bytes of bodies held
 * at once across concurrent requests stay under the budget.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import * as http from "node:http";
import fc from "fast-check";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { admitBody, BodyBudget } from "../../emulator/http/body-intake";
import { ApiError } from "../../emulator/http/errors";
import { authenticate, parseSdkDate } from "../../emulator/http/gateway-auth";
import { resolveOptions } from "../../emulator/options";
import { rawRequest, signedRequest, signHeaders } from "../emulator/helpers";

const CREDS = resolveOptions({ credentials: { accessKey: "AK", secretKey: "SK" } }).credentials;
const DATE = "20260101T000000Z";
const NOW = parseSdkDate(DATE)!;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** Signs with an explicit header list and payload hash (an attacker's or a client's choice). */
function sign(headers: Record<string, string>, signed: string[], payloadHash: string, method = "PUT", rawPath = "/v2/p/fgs/functions/f/code"): Record<string, string> {
  const names = [...signed].sort();
  const canonical = [method, `${rawPath}/`, "", names.map((n) => `${n}:${(headers[n] ?? "").trim()}\n`).join(""), names.join(";"), payloadHash].join("\n");
  const sts = `SDK-HMAC-SHA256\n${DATE}\n${sha(canonical)}`;
  const sig = createHmac("sha256", "SK").update(sts).digest("hex");
  return { ...headers, authorization: `SDK-HMAC-SHA256 Access=AK, SignedHeaders=${names.join(";")}, Signature=${sig}` };
}

function verdict(headers: Record<string, string>, body: Buffer): "ok" | "401" {
  try {
    authenticate({ method: "PUT", rawPath: "/v2/p/fgs/functions/f/code", rawQuery: "", headers, body }, CREDS, 900_000, NOW);
    return "ok";
  } catch (e) {
    assert.equal((e as { code: string }).code, "APIGW.0301");
    return "401";
  }
}

const bodies = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));

describe("X-Sdk-Content-Sha256 counts only when signed, and then must match the body (property)", () => {
  it("a body swapped under an UNSIGNED content-hash header is refused", () => {
    fc.assert(fc.property(bodies, bodies, (original, swapped) => {
      fc.pre(!original.equals(swapped));
      // The client signed the original body; the attacker swaps it and adds an unsigned header claiming the new hash.
      const base = { host: "h", "x-sdk-date": DATE };
      const signed = sign(base, ["host", "x-sdk-date"], sha(original));
      assert.equal(verdict(signed, original), "ok");
      assert.equal(verdict({ ...signed, "x-sdk-content-sha256": sha(swapped) }, swapped), "401");
      assert.equal(verdict({ ...signed, "x-sdk-content-sha256": "UNSIGNED-PAYLOAD" }, swapped), "401");
    }), { numRuns: 300 });
  });

  it("a SIGNED content-hash header must be the body's hash", () => {
    fc.assert(fc.property(bodies, bodies, (body, other) => {
      const headers = { host: "h", "x-sdk-date": DATE, "x-sdk-content-sha256": sha(body) };
      const signed = sign(headers, ["host", "x-sdk-content-sha256", "x-sdk-date"], sha(body));
      assert.equal(verdict(signed, body), "ok");
      assert.equal(verdict(signed, other), other.equals(body) ? "ok" : "401");
    }), { numRuns: 300 });
  });

  it("a signed UNSIGNED-PAYLOAD is the client's explicit opt-out (as the SDK sends for non-JSON bodies)", () => {
    const headers = { host: "h", "x-sdk-date": DATE, "x-sdk-content-sha256": "UNSIGNED-PAYLOAD" };
    const signed = sign(headers, ["host", "x-sdk-content-sha256", "x-sdk-date"], "UNSIGNED-PAYLOAD");
    assert.equal(verdict(signed, Buffer.from("anything")), "ok");
    assert.equal(verdict(sign({ ...headers, "x-sdk-content-sha256": "zz" }, ["x-sdk-content-sha256", "x-sdk-date"], "zz"), Buffer.alloc(0)), "401");
  });

  it("x-sdk-date must be among the signed headers; a changed signed header (host) fails", () => {
    const body = Buffer.from("{}");
    const noDate = sign({ host: "h", "x-sdk-date": DATE }, ["host"], sha(body));
    assert.equal(verdict(noDate, body), "401");
    const withHost = sign({ host: "h", "x-sdk-date": DATE }, ["host", "x-sdk-date"], sha(body));
    assert.equal(verdict({ ...withHost, host: "elsewhere" }, body), "401");
    assert.equal(verdict(sign({ host: "h", "x-sdk-date": DATE }, ["x-sdk-date"], sha(body)), body), "ok", "host is not required (the doc's Go SDK vectors)");
  });
});

/** Opens a request, sends its headers and `first` bytes of the body, and resolves with the answer when one comes. */
function openRequest(url: string, method: string, path: string, headers: Record<string, string>, first: string) {
  const u = new URL(url);
  let req!: http.ClientRequest;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      let b = "";
      res.on("data", (c) => (b += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on("error", reject);
    req.write(first);
  });
  return { req, answer };
}

describe("authentication before the body; body bytes bounded across requests", () => {
  let emu: EmulatorHandle;
  const MIB = 1024 * 1024;
  before(async () => {
    emu = await startEmulator({ limits: { bodyBudgetBytes: 3 * MIB } });
    await emu.seedFunction({ func_name: "f" });
  });
  after(() => emu.close());

  const path = () => `/v2/${emu.projectId}/fgs/functions/f/code`;
  const host = () => new URL(emu.url).host;

  it("a stranger's large upload is refused (401) from its headers, without waiting for the body", async () => {
    const big = { "Content-Length": String(40 * MIB) };
    const cases: Array<[string, Record<string, string>]> = [
      ["an unknown access key", signHeaders({ method: "PUT", path: path(), ak: "NOSUCHKEY", sk: "x", headers: { Host: host(), "Content-Type": "application/json" } })],
      ["a stale date", signHeaders({ method: "PUT", path: path(), ak: emu.credentials.accessKey, sk: emu.credentials.secretKey, date: new Date(Date.now() - 3600_000), headers: { Host: host(), "Content-Type": "application/json" } })],
      // With the body hash declared and signed, the signature itself is checked before the body: a wrong secret fails here.
      ["a wrong secret key over a signed body hash", signHeaders({ method: "PUT", path: path(), ak: emu.credentials.accessKey, sk: "not-the-key",
        headers: { Host: host(), "Content-Type": "application/json", "X-Sdk-Content-Sha256": sha("whatever") } })],
    ];
    for (const [what, headers] of cases) {
      const { req, answer } = openRequest(emu.url, "PUT", path(), { ...headers, ...big }, "{");
      const r = await answer; // never sent the other 40 MiB: the answer came from the headers
      assert.equal(r.status, 401, what);
      assert.equal(JSON.parse(r.body).error_code, "APIGW.0301", what);
      req.destroy();
    }
  });

  it("a body larger than the free budget gets 429 FSS.0429 from its Content-Length, unread", async () => {
    const headers = signHeaders({ method: "PUT", path: path(), ak: emu.credentials.accessKey, sk: emu.credentials.secretKey,
      headers: { Host: host(), "Content-Type": "application/json" } });
    const { req, answer } = openRequest(emu.url, "PUT", path(), { ...headers, "Content-Length": String(4 * MIB) }, "{");
    const r = await answer;
    assert.equal(r.status, 429);
    assert.equal(JSON.parse(r.body).error_code, "FSS.0429");
    req.destroy();
  });

  it("requests without a body reserve nothing: GETs pass however small the budget", async () => {
    const gets = await Promise.all([
      ...Array.from({ length: 4 }, () => signedRequest(emu, "GET", "/f/config")),
      ...Array.from({ length: 4 }, () => rawRequest(emu.url, "GET", "/__admin/functions", { "X-Fgs-Admin": emu.adminToken })),
    ]);
    assert.deepEqual(gets.map((r) => r.status), Array(8).fill(200));
  });

  it("concurrent bodies: the second one that would go over the budget gets 429; the first completes; the budget is released", async () => {
    const budget = new BodyBudget(3 * MIB);
    let arrived = 0;
    const server = http.createServer((req, res) => {
      admitBody(req, res, 10 * MIB, budget, () => new ApiError(413, "X", "too large")).then((b) => {
        res.end(`read ${b.body.length}`);
        b.release();
      }, (e: ApiError) => {
        res.statusCode = e.status;
        res.end(e.code);
      });
      arrived++; // admitBody reserved synchronously above
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const first = openRequest(url, "PUT", "/", { "Content-Length": String(2 * MIB) }, "x");
      while (arrived < 1) await new Promise((r) => setImmediate(r)); // the server has reserved for the first
      assert.equal(budget.inUse(), 2 * MIB);
      const second = openRequest(url, "PUT", "/", { "Content-Length": String(2 * MIB) }, "");
      const r2 = await second.answer;
      assert.deepEqual([r2.status, r2.body], [429, "FSS.0429"]);
      first.req.end(Buffer.alloc(2 * MIB - 1, 0x78));
      assert.deepEqual(await first.answer, { status: 200, body: `read ${2 * MIB}` });
      assert.equal(budget.inUse(), 0);
      second.req.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("the signed body hash is enforced over HTTP: same headers, different bytes → 401", async () => {
    const body = Buffer.from(JSON.stringify({ code_type: "zip", code_filename: "code.zip", func_code: { file: "" } }));
    const headers = signHeaders({ method: "PUT", path: path(), ak: emu.credentials.accessKey, sk: emu.credentials.secretKey, body,
      headers: { Host: host(), "Content-Type": "application/json", "X-Sdk-Content-Sha256": sha(body) } });
    const swapped = Buffer.from(body.toString().replace("code.zip", "evil.zip"));
    const { req, answer } = openRequest(emu.url, "PUT", path(), { ...headers, "Content-Length": String(swapped.length) }, "");
    req.end(swapped);
    const r = await answer;
    assert.equal(r.status, 401);
    assert.match(JSON.parse(r.body).error_msg, /does not match the signed X-Sdk-Content-Sha256/);
  });
});
