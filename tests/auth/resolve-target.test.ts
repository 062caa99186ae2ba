import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigurationError } from "../../provider/auth/configuration-error";
import { endpointEnvName, resolveTarget } from "../../provider/auth/resolve-target";

const PROJECT = "0123456789abcdef0123456789abcdef";
const AK = "AKAKAKAKAKAKAKAKAKAK";
const SK = "SKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSK";

test("explicit options win over the environment", () => {
  const t = resolveTarget({ accessKey: "EXPLICITAK", secretKey: "EXPLICITSK", region: "ap-southeast-1", projectId: PROJECT },
    { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, HW_REGION_NAME: "cn-north-4", HW_PROJECT_ID: "f".repeat(32) });
  assert.deepEqual(t, {
    credentials: { kind: "aksk", accessKey: "EXPLICITAK", secretKey: "EXPLICITSK" },
    region: "ap-southeast-1", projectId: PROJECT, endpoint: "https://functiongraph.ap-southeast-1.myhuaweicloud.com",
  });
});

test("Huawei SDK env names win over Terraform names; security token rides along", () => {
  const t = resolveTarget({}, {
    HUAWEICLOUD_SDK_AK: AK, HW_ACCESS_KEY: "TFAK", HUAWEICLOUD_SDK_SK: SK, HW_SECRET_KEY: "TFSK",
    HW_SECURITY_TOKEN: "tmp-token", HW_REGION_NAME: "cn-north-4", HUAWEICLOUD_SDK_PROJECT_ID: PROJECT, HW_PROJECT_ID: "x".repeat(32),
  });
  assert.deepEqual(t.credentials, { kind: "aksk", accessKey: AK, secretKey: SK, securityToken: "tmp-token" });
  assert.equal(t.projectId, PROJECT);
});

test("Terraform names alone are enough, including HW_AUTH_TOKEN", () => {
  const t = resolveTarget(undefined, { HW_AUTH_TOKEN: "iam-token", HW_REGION_NAME: "la-south-2", HW_PROJECT_ID: PROJECT });
  assert.deepEqual(t.credentials, { kind: "token", authToken: "iam-token" });
  assert.equal(t.endpoint, "https://functiongraph.la-south-2.myhuaweicloud.com");
  const ak = resolveTarget({}, { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK, HW_REGION_NAME: "cn-north-4", HW_PROJECT_ID: PROJECT });
  assert.equal(ak.credentials.kind, "aksk");
});

test("an explicit token beats AK/SK from the environment; env AK/SK beat an env token", () => {
  const env = { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK, HW_AUTH_TOKEN: "env-token", HW_REGION_NAME: "cn-north-4", HW_PROJECT_ID: PROJECT };
  assert.deepEqual(resolveTarget({ authToken: "cfg-token" }, env).credentials, { kind: "token", authToken: "cfg-token" });
  assert.equal(resolveTarget({}, env).credentials.kind, "aksk");
});

test("endpoint: explicit, then HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_<REGION>, then derived from the region", () => {
  const env = { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK, HW_REGION_NAME: "cn-north-4", HW_PROJECT_ID: PROJECT,
    [endpointEnvName("cn-north-4")]: "http://127.0.0.1:9000/" };
  assert.equal(endpointEnvName("cn-north-4"), "HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_CN_NORTH_4");
  assert.equal(resolveTarget({}, env).endpoint, "http://127.0.0.1:9000");
  assert.equal(resolveTarget({ endpoint: "https://fgs.internal:8443/base/" }, env).endpoint, "https://fgs.internal:8443/base");
});

test("malformed endpoint, region and project id are named", () => {
  const base = { HW_ACCESS_KEY: AK, HW_SECRET_KEY: SK };
  assert.throws(() => resolveTarget({ endpoint: "functiongraph.cn-north-4.myhuaweicloud.com", region: "cn-north-4", projectId: PROJECT }, base),
    (e: unknown) => e instanceof ConfigurationError && /endpoint \(from functiongraph:endpoint\) is not an absolute http\(s\) URL/.test(e.message));
  assert.throws(() => resolveTarget({ endpoint: "ftp://x", region: "cn-north-4", projectId: PROJECT }, base), /endpoint .*http or https/);
  assert.throws(() => resolveTarget({ region: "CN North", projectId: "short" }, base), (e: unknown) => {
    assert.ok(e instanceof ConfigurationError);
    assert.equal(e.problems.length, 2);
    assert.match(e.message, /region \(from functiongraph:region\) "CN North"/);
    assert.match(e.message, /projectId \(from functiongraph:projectId\) must be/);
    return true;
  });
});

test("nothing configured: one error lists every missing piece and the names to set", () => {
  assert.throws(() => resolveTarget({}, {}), (e: unknown) => {
    assert.ok(e instanceof ConfigurationError);
    assert.equal(e.problems.length, 3);
    for (const name of ["functiongraph:accessKey", "HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY", "functiongraph:secretKey",
      "HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY", "HW_AUTH_TOKEN", "functiongraph:region", "HW_REGION_NAME",
      "functiongraph:projectId", "HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID", "HW_SECURITY_TOKEN"]) {
      assert.ok(e.message.includes(name), `message names ${name}`);
    }
    return true;
  });
});

test("an AK without SK is reported (not replaced by a token), and no secret appears in the message", () => {
  assert.throws(() => resolveTarget({}, { HW_ACCESS_KEY: AK, HW_REGION_NAME: "bad region", HW_PROJECT_ID: PROJECT }), (e: unknown) => {
    assert.ok(e instanceof ConfigurationError);
    assert.match(e.message, /secretKey: set functiongraph:secretKey or HUAWEICLOUD_SDK_SK or HW_SECRET_KEY/);
    assert.ok(!e.message.includes(AK));
    return true;
  });
  assert.throws(() => resolveTarget({ secretKey: SK, region: "cn-north-4", projectId: PROJECT }, {}), (e: unknown) => {
    assert.ok(e instanceof Error && /accessKey: set/.test(e.message) && !e.message.includes(SK));
    return true;
  });
});
