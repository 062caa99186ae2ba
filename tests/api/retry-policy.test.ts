import assert from "node:assert/strict";
import { test } from "node:test";
import {
  backoffDelay, isAmbiguousRequest, MAX_RETRY_DELAY_MS, maxRetriesFromEnv, shouldRetry,
} from "../../provider/api/retry-policy";
import { normalizeUrn, urnPathSegment } from "../../provider/api/urn";

test("full-jitter exponential backoff: [0, min(cap, base*2^n))", () => {
  assert.equal(backoffDelay(0, 1000, () => 0), 0);
  assert.equal(backoffDelay(0, 1000, () => 0.999), 999);
  assert.equal(backoffDelay(3, 1000, () => 0.5), 4000);
  assert.equal(backoffDelay(20, 1000, () => 0.999), Math.floor(0.999 * MAX_RETRY_DELAY_MS));
  assert.equal(backoffDelay(4, 0, () => 0.9), 0);
});

test("what is retried: 429/5xx/network for idempotent calls; only 429 and never-connected otherwise", () => {
  for (const s of [429, 500, 502, 503, 504]) assert.equal(shouldRetry({ status: s }, true), true, String(s));
  for (const s of [400, 401, 403, 404, 409, 413, 501]) assert.equal(shouldRetry({ status: s }, true), false, String(s));
  for (const k of ["unreachable", "reset", "timeout", "other"] as const) assert.equal(shouldRetry({ network: k }, true), true, k);
  assert.deepEqual([429, 500, 503].map((s) => shouldRetry({ status: s }, false)), [true, false, false]);
  assert.deepEqual((["unreachable", "reset", "timeout", "other"] as const).map((k) => shouldRetry({ network: k }, false)),
    [true, false, false, false]);
});

test("ambiguous: a state-changing call that may have been applied (5xx, reset, timeout), never a GET or a refusal", () => {
  assert.equal(isAmbiguousRequest({ status: 503 }, true), true);
  assert.equal(isAmbiguousRequest({ network: "timeout" }, true), true);
  assert.equal(isAmbiguousRequest({ network: "reset" }, true), true);
  assert.equal(isAmbiguousRequest({ network: "unreachable" }, true), false);
  assert.equal(isAmbiguousRequest({ status: 429 }, true), false);
  assert.equal(isAmbiguousRequest({ status: 409 }, true), false);
  assert.equal(isAmbiguousRequest({ status: 503 }, false), false);
});

test("HW_MAX_RETRIES sets the retry count; junk falls back to 5", () => {
  assert.equal(maxRetriesFromEnv({ HW_MAX_RETRIES: "2" }), 2);
  assert.equal(maxRetriesFromEnv({ HW_MAX_RETRIES: "0" }), 0);
  assert.equal(maxRetriesFromEnv({ HW_MAX_RETRIES: "-1" }), 5);
  assert.equal(maxRetriesFromEnv({}), 5);
});

test("URNs: a trailing :latest is stripped, versions and aliases kept; colons stay raw in paths", () => {
  const urn = "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:f";
  assert.equal(normalizeUrn(`${urn}:latest`), urn);
  assert.equal(normalizeUrn(urn), urn);
  assert.equal(normalizeUrn(`${urn}:v1`), `${urn}:v1`);
  assert.equal(normalizeUrn(`${urn}:!prod`), `${urn}:!prod`);
  assert.equal(urnPathSegment(`${urn}:!prod`), `${urn}:!prod`);
  assert.equal(urnPathSegment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
});
