import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { isLoopback } from "../../emulator/admin/admin-guard";
import { resolveOptions } from "../../emulator/options";
import { codeZip, rawRequest, signedRequest } from "./helpers";

describe("admin surface", () => {
  let emu: EmulatorHandle;
  /** Every admin request carries this run's token (admin-guard.ts). */
  let admin: Record<string, string>;
  let json: Record<string, string>;
  before(async () => {
    emu = await startEmulator();
    admin = { "X-Fgs-Admin": emu.adminToken };
    json = { "Content-Type": "application/json", ...admin };
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  it("seeds a function over HTTP that the API then serves (adoption)", async () => {
    const code = await codeZip("seeded");
    const r = await rawRequest(emu.url, "POST", "/__admin/functions", json,
      JSON.stringify({ func_name: "adopt-me", package: "app", memory_size: 512, code: code.toString("base64") }));
    assert.equal(r.status, 200);
    assert.equal(r.json().digest, createHash("sha512").update(code).digest("hex"));
    const api = await signedRequest(emu, "GET", "/app:adopt-me/config");
    assert.equal(api.json().memory_size, 512);
    const dup = await rawRequest(emu.url, "POST", "/__admin/functions", json, JSON.stringify({ func_name: "adopt-me", package: "app" }));
    assert.equal(dup.json().error_code, "FSS.1061");
    assert.deepEqual(emu.requests().map((e) => e.operation), ["getConfig"], "admin calls are not logged");
  });

  it("modifies code and config out-of-band (drift) and serves the stored code", async () => {
    await emu.seedFunction({ func_name: "drift" });
    const before = (await signedRequest(emu, "GET", "/drift/code")).json();
    const z = await codeZip("drifted");
    const put = await rawRequest(emu.url, "PUT", "/__admin/functions/drift/code", json, JSON.stringify({ file: z.toString("base64") }));
    assert.equal(put.status, 200);
    const after = (await signedRequest(emu, "GET", "/drift/code")).json();
    assert.notEqual(after.digest, before.digest);
    assert.deepEqual((await rawRequest(emu.url, "GET", "/__admin/functions/drift/code", admin)).body, z);
    const patch = await rawRequest(emu.url, "PATCH", "/__admin/functions/drift/config", json, JSON.stringify({ timeout: 99 }));
    assert.equal(patch.json().timeout, 99);
    const badPatch = await rawRequest(emu.url, "PATCH", "/__admin/functions/drift/config", json, JSON.stringify({ memory_size: 3 }));
    assert.equal(badPatch.json().error_code, "FSS.1007");
    assert.equal((await rawRequest(emu.url, "DELETE", "/__admin/functions/drift", admin)).status, 204);
    assert.equal((await signedRequest(emu, "GET", "/drift/config")).status, 404);
  });

  it("exposes, filters and clears the request log; reset empties everything", async () => {
    await emu.seedFunction({ func_name: "a" });
    await signedRequest(emu, "GET", "");
    await signedRequest(emu, "PUT", "/a/config", { body: { func_name: "a", runtime: "Node.js18.15", timeout: 5, handler: "index.handler", memory_size: 128 } });
    await signedRequest(emu, "GET", "", { sk: "wrong" });
    const all = (await rawRequest(emu.url, "GET", "/__admin/requests", admin)).json().requests as Array<Record<string, unknown>>;
    assert.deepEqual(all.map((e) => [e.operation, e.status, e.authKind]), [["list", 200, "aksk"], ["updateConfig", 200, "aksk"], ["list", 401, "none"]]);
    assert.equal(all[2].errorCode, "APIGW.0301");
    assert.deepEqual(emu.requests({ writesOnly: true }).map((e) => e.operation), ["updateConfig"]);
    const filtered = (await rawRequest(emu.url, "GET", "/__admin/requests?operation=list", admin)).json().requests as unknown[];
    assert.equal(filtered.length, 2);
    assert.equal((await rawRequest(emu.url, "DELETE", "/__admin/requests", admin)).status, 204);
    assert.deepEqual(emu.requests(), []);
    assert.equal((await rawRequest(emu.url, "POST", "/__admin/reset", admin)).status, 204);
    assert.deepEqual(emu.functions(), []);
    assert.equal((await rawRequest(emu.url, "GET", "/__admin/nothing", admin)).status, 404);
  });

  it("every request needs this run's token, reads included: none, a wrong one or the old '1' is 403 and changes nothing", async () => {
    await emu.seedFunction({ func_name: "kept", user_data: JSON.stringify({ K: "v" }) });
    const wrong = { "X-Fgs-Admin": emu.adminToken.slice(0, -1) + (emu.adminToken.endsWith("A") ? "B" : "A") };
    for (const headers of [{}, wrong, { "X-Fgs-Admin": "1" }]) {
      for (const [method, path, body] of [["GET", "/__admin/functions"], ["GET", "/__admin/requests"], ["GET", "/__admin/invocations"],
        ["PUT", "/__admin/functions/kept/code", JSON.stringify({ file: (await codeZip("evil")).toString("base64") })], ["POST", "/__admin/reset"]] as const) {
        const r = await rawRequest(emu.url, method, path, { ...headers, ...(body ? { "Content-Type": "application/json" } : {}) }, body);
        assert.equal(r.status, 403, `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.equal(r.json().error_code, "ADMIN.0403");
        assert.doesNotMatch(r.body.toString("utf8"), /kept|"K"/, "a refusal shows nothing");
      }
    }
    assert.deepEqual(emu.functions().map((f) => f.func_name), ["kept"]);
    assert.equal((await rawRequest(emu.url, "GET", "/__admin/functions", admin)).status, 200);
  });

  it("a chosen admin token is checked; two emulators have different random tokens", async () => {
    assert.throws(() => resolveOptions({ adminToken: "short" }), /adminToken must be 16 to 256 printable characters/);
    assert.equal(resolveOptions({ adminToken: "x".repeat(16) }).adminToken, "x".repeat(16));
    assert.notEqual(resolveOptions().adminToken, resolveOptions().adminToken);
  });

  it("answers loopback clients only", () => {
    assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && isLoopback("::ffff:127.0.0.1"));
    assert.ok(!isLoopback("10.0.0.5") && !isLoopback("::ffff:192.168.1.2") && !isLoopback(undefined));
  });
});

describe("options", () => {
  it("fills fixed dev defaults and rejects impossible values", () => {
    const o = resolveOptions();
    assert.equal(o.host, "127.0.0.1");
    assert.equal(o.region, "cn-north-4");
    assert.match(o.projectId, /^[0-9a-f]{32}$/);
    assert.equal(o.limits.importPackageBytes, 10 * 1024 * 1024);
    assert.equal(o.limits.codeUploadBytes, 50 * 1024 * 1024);
    assert.equal(o.limits.maxFunctions, 400);
    assert.throws(() => resolveOptions({ region: "Mars" }), /region/);
    assert.throws(() => resolveOptions({ projectId: "x" }), /projectId/);
    assert.throws(() => resolveOptions({ limits: { nope: 1 } as never }), /unknown limit/);
    assert.throws(() => resolveOptions({ port: 70000 }), /port/);
  });
});
