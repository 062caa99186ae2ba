import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalUri, formatSdkDate, signRequest } from "../../provider/auth/sign-request";
import { canonicalQuery, percentEncode } from "../../provider/auth/percent-encoding";

// The official SDK's signer: the oracle (devDependency, untyped deep import).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner") as {
  AKSKSigner: { sign(req: object, cred: { getAk(): string; getSk(): string }): Record<string, string> };
};

const sdkDate = (s: string) => new Date(s.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
const signature = (auth: string) => /Signature=([0-9a-f]{64})$/.exec(auth)?.[1];

test("V1 (Huawei signing guide) vector", () => {
  const headers = signRequest({
    method: "GET",
    url: "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
    headers: { "Content-Type": "application/json", Host: "service.region.example.com" },
  }, { accessKey: "QTWAOYTTINDUT2QVKYUC", secretKey: "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc" }, sdkDate("20191115T033655Z"));
  assert.equal(headers["X-Sdk-Date"], "20191115T033655Z");
  assert.equal(headers.Authorization,
    "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, " +
    "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe");
});

test("V2 and V3 (Go SDK signer) vectors: only x-sdk-date signed, body hash over exact bytes", () => {
  const key = { accessKey: "AccessKey", secretKey: "SecretKey" };
  const v2 = signRequest({ method: "GET", url: "https://example.huaweicloud.com/path?limit=1", headers: {}, signedHeaders: [] },
    key, sdkDate("20060102T150405Z"));
  assert.equal(signature(v2.Authorization), "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
  assert.match(v2.Authorization, /SignedHeaders=x-sdk-date,/);
  const body = Buffer.from('{"Name":"test","Id":1}\n');
  const v3 = signRequest({ method: "POST", url: "https://example.huaweicloud.com/path?key=value", headers: {}, body, signedHeaders: [] },
    key, sdkDate("20060102T150405Z"));
  assert.equal(signature(v3.Authorization), "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
  const v3AsString = signRequest({ method: "POST", url: "https://example.huaweicloud.com/path?key=value", headers: {},
    body: body.toString(), signedHeaders: [] }, key, sdkDate("20060102T150405Z"));
  assert.equal(v3AsString.Authorization, v3.Authorization);
});

test("canonical URI: URN colons become %3A, raw and pre-encoded colons sign alike, trailing slash added", () => {
  assert.equal(canonicalUri("/v2/p/fgs/functions/urn:fss:r:p:function:default:f/config"),
    "/v2/p/fgs/functions/urn%3Afss%3Ar%3Ap%3Afunction%3Adefault%3Af/config/");
  assert.equal(canonicalUri("/a/urn%3Ax"), canonicalUri("/a/urn:x"));
  assert.equal(canonicalUri("/"), "/");
  assert.equal(formatSdkDate(new Date("2024-03-05T07:08:09.123Z")), "20240305T070809Z");
});

test("canonical query: sorted keys and values, reserved characters encoded, empty values kept", () => {
  assert.equal(canonicalQuery([["b", "2"], ["a", "x y"], ["b", "1"], ["c", ""]]), "a=x%20y&b=1&b=2&c=");
  assert.equal(percentEncode("a:b/c?d=é~"), "a%3Ab%2Fc%3Fd%3D%C3%A9~");
});

/** mulberry32: a small seeded PRNG so the cross-check is reproducible. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("matches the official SDK signer on 400 random requests (seeded)", () => {
  const rnd = prng(20261122);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const str = (alphabet: string, min: number, max: number) => {
    const chars = [...alphabet];
    return Array.from({ length: min + int(max - min + 1) }, () => pick(chars)).join("");
  };
  const SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~";
  const PATH_CHARS = SAFE + "!$&()*+,;=:@é中";
  const QUERY_CHARS = SAFE + "!*'();:@&=+$,/?#[] %é中😀";
  const hex = (n: number) => str("0123456789abcdef", n, n);

  let compared = 0;
  for (let i = 0; i < 400; i++) {
    const project = hex(32);
    const method = pick(["GET", "POST", "PUT", "DELETE", "PATCH"]);
    const host = pick(["functiongraph.cn-north-4.myhuaweicloud.com", "127.0.0.1:8443", "fgs.example.com"]);
    const urn = `urn:fss:cn-north-4:${project}:function:${pick(["default", "app_1"])}:${str(SAFE, 1, 12)}` +
      pick(["", ":latest", ":!alias1", ":v20240101-101010"]);
    const path = `/v2/${project}/fgs/functions` + pick(["", "/import", `/${urn}`, `/${urn}/config`, `/${urn}/code`,
      `/${urn}/versions`, `/${str(PATH_CHARS, 1, 10)}/${str(PATH_CHARS, 0, 6)}`, "/trailing/"]);
    const query: Record<string, string | string[]> = {};
    for (let q = int(4); q > 0; q--) {
      query[str(QUERY_CHARS, 1, 6)] = rnd() < 0.2 ? [str(QUERY_CHARS, 0, 5), str(QUERY_CHARS, 0, 5)] : str(QUERY_CHARS, 0, 8);
    }
    const pairs: [string, string][] = Object.entries(query).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]));
    const qs = canonicalQuery(pairs);
    const data = method === "GET" || method === "DELETE" ? undefined
      : { func_name: str(SAFE, 1, 20), n: int(1e6), note: str(QUERY_CHARS, 0, 30), nested: { ok: rnd() < 0.5 } };
    const date = new Date(Date.UTC(2020 + int(6), int(12), 1 + int(28), int(24), int(60), int(60)));
    const headers: Record<string, string> = { "content-type": "application/json", "X-Project-Id": project };
    if (rnd() < 0.3) headers["X-Security-Token"] = str(SAFE, 20, 60);
    const key = { accessKey: str(SAFE.slice(0, 62), 20, 20), secretKey: str(SAFE, 40, 40) };

    const ours = signRequest({ method, url: `https://${host}${path}${qs ? `?${qs}` : ""}`, headers,
      body: data === undefined ? undefined : rnd() < 0.5 ? JSON.stringify(data) : Buffer.from(JSON.stringify(data)) }, key, date);
    const theirs = AKSKSigner.sign({
      endpoint: `https://${host}${path}`, method, queryParams: query, data,
      headers: { ...headers, "X-Sdk-Date": formatSdkDate(date) },
    }, { getAk: () => key.accessKey, getSk: () => key.secretKey });
    assert.equal(ours.Authorization, theirs.Authorization, `request #${i}: ${method} ${path}?${qs}`);
    compared++;
  }
  assert.equal(compared, 400);
});
