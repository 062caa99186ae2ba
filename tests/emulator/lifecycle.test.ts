import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FunctionModelSchema } from "../../provider/api/schemas";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { codeZip, rawRequest, signedRequest, signHeaders } from "./helpers";
import { readZip } from "../../emulator/zip/reader";

const cfg = (extra: Record<string, unknown> = {}) => ({
  func_name: "fn", runtime: "Node.js18.15", timeout: 10, handler: "index.handler", memory_size: 256, ...extra,
});

describe("lifecycle calls", () => {
  let emu: EmulatorHandle;
  let urn: string;
  before(async () => {
    emu = await startEmulator({ limits: { codeUploadBytes: 32 * 1024, maxVersions: 4 } });
  });
  beforeEach(async () => {
    await emu.reset();
    urn = (await emu.seedFunction({ func_name: "fn", user_data: { A: "a" } })).func_urn;
  });
  after(() => emu.close());

  const enc = (u: string) => encodeURIComponent(u);

  it("update config validates like create (1002/1003/1005/1007/1008/1009/1017/1018/1019)", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ func_name: "1x" }, "FSS.1002"], [{ handler: "nohandler" }, "FSS.1003"], [{ runtime: "Cobol" }, "FSS.1005"],
      [{ memory_size: 130 }, "FSS.1007"], [{ timeout: 0 }, "FSS.1008"], [{ user_data: "[1]" }, "FSS.1009"],
      [{ user_data: JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]))) }, "FSS.1017"],
      [{ user_data: JSON.stringify({ big: "y".repeat(4100) }) }, "FSS.1018"], [{ description: "d".repeat(513) }, "FSS.1019"],
      [{ initializer_timeout: 301 }, "FSS.0400"],
    ];
    for (const [extra, code] of cases) {
      const r = await signedRequest(emu, "PUT", `/${urn}/config`, { body: cfg(extra) });
      assert.deepEqual([r.status, r.json().error_code], [400, code], JSON.stringify(extra));
    }
    const missing = await signedRequest(emu, "PUT", `/${urn}/config`, { body: { func_name: "fn" } });
    assert.equal(missing.json().error_code, "FSS.0400");
    assert.match(String(missing.json().error_msg), /runtime/);
  });

  it("update config changes settings, keeps the package, ignores unknown fields", async () => {
    const before = emu.functions()[0];
    const r = await signedRequest(emu, "PUT", `/${urn}/config`, { body: cfg({ package: "other", unknown_field: 1, description: "new" }) });
    assert.equal(r.status, 200);
    const m = FunctionModelSchema.parse(r.json());
    assert.equal(m.package, "default");
    assert.equal(m.description, "new");
    assert.equal(m.timeout, 10);
    assert.equal(m.user_data, JSON.stringify({ A: "a" }), "absent optional fields keep their value");
    assert.equal(m.digest, before.digest);
    assert.equal(m.func_urn, `${urn}:latest`);
  });

  it("update code: new digest/size, 1071 over the limit, 1011 not a zip, 1006 code type, 404 FSS.1052", async () => {
    const z = await codeZip("changed");
    const ok = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: z.toString("base64") } } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json().digest, createHash("sha512").update(z).digest("hex"));
    assert.equal(ok.json().code_size, z.length);
    const { randomBytes } = await import("node:crypto");
    const big = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "c.zip", func_code: { file: randomBytes(40 * 1024).toString("base64") } } });
    assert.deepEqual([big.status, big.json().error_code], [413, "FSS.1071"]);
    const notZip = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "c.zip", func_code: { file: Buffer.from("nope").toString("base64") } } });
    assert.deepEqual([notZip.status, notZip.json().error_code], [400, "FSS.1011"]);
    const type = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "jar", code_filename: "c.zip", func_code: { file: "" } } });
    assert.equal(type.json().error_code, "FSS.1006");
    const absent = await signedRequest(emu, "PUT", "/nobody/code", { body: { code_type: "zip", code_filename: "c.zip", func_code: { file: z.toString("base64") } } });
    assert.deepEqual([absent.status, absent.json().error_code], [404, "FSS.1052"]);
    assert.equal((await signedRequest(emu, "GET", "/nobody/code")).json().error_code, "FSS.1052");
    assert.deepEqual([(await signedRequest(emu, "GET", "/nobody/config")).status, (await signedRequest(emu, "GET", "/nobody/config")).json().error_code], [404, "FSS.1051"]);
  });

  it("publish version: auto name, 1016 nothing changed, 1062 duplicate, version quota 403, version models", async () => {
    const v1 = await signedRequest(emu, "POST", `/${urn}/versions`, { body: {} });
    assert.equal(v1.status, 200);
    assert.match(String(v1.json().version), /^v\d{8}-\d{6}$/);
    assert.equal(v1.json().func_urn, `${urn}:${v1.json().version}`);
    const same = await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: "again" } });
    assert.deepEqual([same.status, same.json().error_code], [400, "FSS.1016"]);
    await signedRequest(emu, "PUT", `/${urn}/config`, { body: cfg({ timeout: 20 }) });
    const dup = await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: v1.json().version } });
    assert.deepEqual([dup.status, dup.json().error_code], [409, "FSS.1062"]);
    const badDigest = await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: "v2", digest: "0".repeat(128) } });
    assert.equal(badDigest.json().error_code, "FSS.0400");
    assert.equal((await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: "v2", description: "two" } })).status, 200);
    await signedRequest(emu, "PUT", `/${urn}/config`, { body: cfg({ timeout: 30 }) });
    assert.equal((await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: "v3" } })).status, 200);
    await signedRequest(emu, "PUT", `/${urn}/config`, { body: cfg({ timeout: 40 }) });
    const quota = await signedRequest(emu, "POST", `/${urn}/versions`, { body: { version: "v4" } });
    assert.deepEqual([quota.status, quota.json().error_code], [403, "FSS.0403"], "4 versions incl. latest is the limit here");
    const v2 = await signedRequest(emu, "GET", `/${urn}:v2/config`);
    assert.equal(v2.json().version, "v2");
    assert.equal(v2.json().timeout, 20);
    assert.equal(v2.json().version_description, "two");
    const upd = await signedRequest(emu, "PUT", `/${urn}:v2/config`, { body: cfg() });
    assert.equal(upd.status, 400, "only latest can be modified");
    const delV = await signedRequest(emu, "DELETE", `/${urn}:v2`);
    assert.equal(delV.status, 204);
    assert.equal((await signedRequest(emu, "GET", `/${urn}:v2/config`)).status, 404);
    assert.equal((await signedRequest(emu, "GET", `/${urn}/config`)).status, 200, "deleting a version keeps the function");
    const versions = await signedRequest(emu, "GET", `/${urn}/versions`);
    assert.deepEqual((versions.json().versions as Array<{ version: string }>).map((v) => v.version), ["latest", v1.json().version, "v3"]);
  });

  it("delete: 204 with an empty body, then 404 FSS.1051", async () => {
    const r = await signedRequest(emu, "DELETE", `/${urn}`);
    assert.equal(r.status, 204);
    assert.equal(r.body.length, 0);
    const again = await signedRequest(emu, "DELETE", `/${urn}`);
    assert.deepEqual([again.status, again.json().error_code], [404, "FSS.1051"]);
  });

  it("URN forms: 1/2/3/4/7/8 fields, with or without :latest, raw colons or %3A; other projects are not found", async () => {
    const forms = [
      "fn", "default:fn", `${emu.projectId}:default:fn`, `${emu.projectId}:default:fn:latest`, urn, `${urn}:latest`,
    ];
    for (const form of forms) {
      assert.equal((await signedRequest(emu, "GET", `/${form}/config`)).status, 200, form);
      assert.equal((await signedRequest(emu, "GET", `/${enc(form)}/config`)).status, 200, `encoded ${form}`);
    }
    const lower = `/v2/${emu.projectId}/fgs/functions/${urn.replace(/:/g, "%3a")}/code`;
    const headers = signHeaders({ method: "GET", path: lower, ak: emu.credentials.accessKey, sk: emu.credentials.secretKey, headers: { Host: new URL(emu.url).host } });
    assert.equal((await rawRequest(emu.url, "GET", lower, headers)).status, 200, "lower-case %3a");
    const foreign = await signedRequest(emu, "GET", `/${"f".repeat(32)}:default:fn/config`);
    assert.deepEqual([foreign.status, foreign.json().error_code], [404, "FSS.1051"]);
    assert.equal((await signedRequest(emu, "GET", `/urn:fss:eu-west-0:${emu.projectId}:function:default:fn/config`)).status, 404);
    assert.equal((await signedRequest(emu, "GET", `/${urn}:!alias/config`)).status, 404);
    assert.equal((await signedRequest(emu, "GET", `/a:b:c:d:e/config`)).json().error_code, "FSS.0400");
  });

  it("list: pagination with marker/maxitems, package filter, next_marker and count", async () => {
    for (const n of ["b1", "b2", "b3"]) await emu.seedFunction({ func_name: n, package: "app" });
    const p1 = await signedRequest(emu, "GET", "", { query: { maxitems: "2" } });
    assert.deepEqual((p1.json().functions as Array<{ func_name: string }>).map((f) => f.func_name), ["fn", "b1"]);
    assert.deepEqual([p1.json().next_marker, p1.json().count], [2, 4]);
    const p2 = await signedRequest(emu, "GET", "", { query: { marker: "2", maxitems: "2" } });
    assert.deepEqual((p2.json().functions as Array<{ func_name: string }>).map((f) => f.func_name), ["b2", "b3"]);
    assert.equal(p2.json().next_marker, 4);
    const app = await signedRequest(emu, "GET", "", { query: { package_name: "app" } });
    assert.equal(app.json().count, 3);
    assert.equal((await signedRequest(emu, "GET", "", { query: { maxitems: "401" } })).json().error_code, "FSS.0400");
  });

  it("export: type=code, type=config, both flags, and a zip body on Accept: application/zip", async () => {
    const code = emu.code(urn)!;
    const viaType = await signedRequest(emu, "GET", `/${urn}/export`, { query: { type: "code" } });
    assert.deepEqual((await rawRequest(emu.url, "GET", new URL(String(viaType.json().code_url)).pathname)).body, code);
    const config = await signedRequest(emu, "GET", `/${urn}/export`, { query: { type: "config" } });
    const cfgZip = (await rawRequest(emu.url, "GET", new URL(String(config.json().code_url)).pathname)).body;
    assert.deepEqual((await readZip(cfgZip)).map((e) => e.name), ["fn.yaml"]);
    const both = await signedRequest(emu, "GET", `/${urn}/export`, { query: { code: "true", config: "true" }, extraHeaders: { Accept: "application/zip" } });
    assert.equal(both.headers["content-type"], "application/zip");
    assert.deepEqual((await readZip(both.body)).map((e) => e.name).sort(), ["code.zip", "fn.yaml"]);
    assert.equal((await signedRequest(emu, "GET", `/${urn}/export`, { query: { type: "zip" } })).json().error_code, "FSS.0400");
    assert.equal((await signedRequest(emu, "GET", "/ghost/export")).json().error_code, "FSS.1051");
  });
});
