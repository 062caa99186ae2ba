import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { authenticate, canonicalUri, parseSdkDate } from "../../emulator/http/gateway-auth";
import { resolveOptions } from "../../emulator/options";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { rawRequest, sdkClient, sdkError, signedRequest, fg } from "./helpers";

function creds(accessKey: string, secretKey: string) {
  return resolveOptions({ credentials: { accessKey, secretKey } }).credentials;
}

describe("gateway signature verifier: the doc's published vectors", () => {
  it("V1 (Huawei signing guide)", () => {
    const headers = {
      "content-type": "application/json", host: "service.region.example.com", "x-sdk-date": "20191115T033655Z",
      authorization: "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
    };
    const r = authenticate({
      method: "GET", rawPath: "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
      rawQuery: "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", headers, body: Buffer.alloc(0),
    }, creds("QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"), 15 * 60_000, parseSdkDate("20191115T033655Z")!);
    assert.equal(r.kind, "aksk");
  });

  it("V2 (Go SDK, only x-sdk-date signed)", () => {
    const headers = {
      host: "example.huaweicloud.com", "x-sdk-date": "20060102T150405Z",
      authorization: "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
    };
    const r = authenticate({ method: "GET", rawPath: "/path", rawQuery: "limit=1", headers, body: Buffer.alloc(0) },
      creds("AccessKey", "SecretKey"), 15 * 60_000, parseSdkDate("20060102T150405Z")!);
    assert.equal(r.accessKey, "AccessKey");
  });

  it("V3 (POST, the hash covers the exact body bytes)", () => {
    const headers = {
      "x-sdk-date": "20060102T150405Z",
      authorization: "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
    };
    const parts = { method: "POST", rawPath: "/path", rawQuery: "key=value", headers, body: Buffer.from('{"Name":"test","Id":1}\n') };
    const now = parseSdkDate("20060102T150405Z")!;
    assert.equal(authenticate(parts, creds("AccessKey", "SecretKey"), 900_000, now).kind, "aksk");
    assert.throws(() => authenticate({ ...parts, body: Buffer.from('{"Name":"test","Id":1}') }, creds("AccessKey", "SecretKey"), 900_000, now),
      (e: { status: number; code: string }) => e.status === 401 && e.code === "APIGW.0301");
  });

  it("canonical URI: raw ':' and '%3A' encode the same, with a trailing slash", () => {
    assert.equal(canonicalUri("/v2/p/fgs/functions/urn:fss:x/config"), "/v2/p/fgs/functions/urn%3Afss%3Ax/config/");
    assert.equal(canonicalUri("/v2/p/fgs/functions/urn%3afss%3Ax/config"), "/v2/p/fgs/functions/urn%3Afss%3Ax/config/");
  });
});

describe("gateway authentication over HTTP", () => {
  let emu: EmulatorHandle;
  const temp = { accessKey: "TEMPACCESSKEY0000001", secretKey: "temp-secret", securityToken: "sts-token-abc" };
  before(async () => {
    emu = await startEmulator({ credentials: { temporary: [temp], authTokens: ["iam-token-1"] } });
  });
  after(() => emu.close());

  it("accepts a correct signature and answers with X-Request-Id", async () => {
    const r = await signedRequest(emu, "GET", "");
    assert.equal(r.status, 200);
    assert.match(String(r.headers["x-request-id"]), /^[0-9a-f]{32}$/);
  });

  it("rejects a wrong secret key, an unknown AK, a missing signature and too much clock skew with 401 APIGW.0301", async () => {
    const cases = [
      await signedRequest(emu, "GET", "", { sk: "wrong" }),
      await signedRequest(emu, "GET", "", { ak: "UNKNOWNACCESSKEY0000" }),
      await rawRequest(emu.url, "GET", `/v2/${emu.projectId}/fgs/functions`),
      await signedRequest(emu, "GET", "", { date: new Date(Date.now() - 16 * 60_000) }),
      await signedRequest(emu, "GET", "", { date: new Date(Date.now() + 16 * 60_000) }),
    ];
    for (const r of cases) {
      assert.equal(r.status, 401);
      assert.equal(r.json().error_code, "APIGW.0301");
      assert.ok(r.headers["x-request-id"]);
    }
    const ok = await signedRequest(emu, "GET", "", { date: new Date(Date.now() - 14 * 60_000) });
    assert.equal(ok.status, 200);
  });

  it("requires and checks X-Security-Token for temporary keys", async () => {
    const missing = await signedRequest(emu, "GET", "", { ak: temp.accessKey, sk: temp.secretKey });
    assert.equal(missing.status, 401);
    const wrong = await signedRequest(emu, "GET", "", { ak: temp.accessKey, sk: temp.secretKey, extraHeaders: { "X-Security-Token": "nope" } });
    assert.equal(wrong.status, 401);
    const ok = await signedRequest(emu, "GET", "", { ak: temp.accessKey, sk: temp.secretKey, extraHeaders: { "X-Security-Token": temp.securityToken } });
    assert.equal(ok.status, 200);
    const viaSdk = await sdkClient(emu, { ak: temp.accessKey, sk: temp.secretKey, securityToken: temp.securityToken })
      .listFunctions(new fg.ListFunctionsRequest());
    assert.equal(viaSdk.httpStatusCode, 200);
    assert.equal(emu.requests().at(-1)?.authKind, "aksk-temporary");
  });

  it("accepts configured X-Auth-Token values only", async () => {
    const path = `/v2/${emu.projectId}/fgs/functions`;
    assert.equal((await rawRequest(emu.url, "GET", path, { "X-Auth-Token": "iam-token-1" })).status, 200);
    assert.equal(emu.requests().at(-1)?.authKind, "token");
    const bad = await rawRequest(emu.url, "GET", path, { "X-Auth-Token": "other" });
    assert.equal(bad.status, 401);
    assert.equal(bad.json().error_code, "APIGW.0301");
  });

  it("refuses a project id other than the emulator's with 401 APIGW.0301", async () => {
    const r = await signedRequest(emu, "GET", "", { project: "ffffffffffffffffffffffffffffffff" });
    assert.equal(r.status, 401);
    assert.equal(r.json().error_code, "APIGW.0301");
  });

  it("the official SDK with a wrong secret key gets 401 APIGW.0301", async () => {
    const e = await sdkError(sdkClient(emu, { sk: "not-the-secret" }).listFunctions(new fg.ListFunctionsRequest()));
    assert.deepEqual([e.status, e.code], [401, "APIGW.0301"]);
  });

  it("unknown routes get 404 APIG.0101 with X-Request-Id", async () => {
    const r = await signedRequest(emu, "PATCH", "/x/config");
    assert.equal(r.status, 404);
    assert.equal(r.json().error_code, "APIG.0101");
    assert.ok(r.headers["x-request-id"]);
  });
});
