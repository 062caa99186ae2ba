import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { codeZip, functionYaml, importPackage, signedRequest, zip } from "./helpers";

function body(name: string, pkg: Buffer, extra: Record<string, unknown> = {}) {
  return { func_name: name, file_name: `${name}.zip`, file_type: "zip", file_code: pkg.toString("base64"), ...extra };
}

describe("import: package rules and create validations", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ limits: { importPackageBytes: 64 * 1024, maxFunctions: 3 } });
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  async function expectError(b: unknown, status: number, code: string, field?: string) {
    const r = await signedRequest(emu, "POST", "/import", { body: b });
    assert.equal(r.status, status, r.body.toString());
    assert.equal(r.json().error_code, code);
    if (field) assert.match(String(r.json().error_msg), new RegExp(field));
    assert.ok(r.headers["x-request-id"]);
    assert.deepEqual(emu.functions(), [], "a failed import creates nothing");
  }

  it("imports a valid package", async () => {
    const r = await signedRequest(emu, "POST", "/import", { body: body("ok-fn", await importPackage("ok-fn"), { package: "myapp" }) });
    assert.equal(r.status, 200);
    assert.equal(r.json().func_urn, `urn:fss:${emu.region}:${emu.projectId}:function:myapp:ok-fn`);
  });

  it("FSS.1022: exactly one YAML file", async () => {
    const code = await codeZip();
    await expectError(body("f", await zip({ "code.zip": code })), 400, "FSS.1022");
    await expectError(body("f", await importPackage("f", { extra: { "other.yml": functionYaml("f") } })), 400, "FSS.1022");
  });

  it("FSS.1025: invalid YAML", async () => {
    await expectError(body("f", await importPackage("f", { yaml: "Resources: [unclosed\n  : :" })), 400, "FSS.1025");
    await expectError(body("f", await importPackage("f", { yaml: "just a string\n" })), 400, "FSS.1025");
  });

  it("FSS.1057 (404): the function is not under Resources", async () => {
    await expectError(body("f", await importPackage("f", { yaml: functionYaml("someone-else") })), 404, "FSS.1057");
  });

  it("FSS.1011: outer package or inner code zip is not a zip, or the code file is missing", async () => {
    await expectError(body("f", Buffer.from("definitely not a zip file")), 400, "FSS.1011");
    await expectError(body("f", await importPackage("f", { code: Buffer.from("PK\u0003\u0004 broken") })), 400, "FSS.1011");
    await expectError(body("f", await zip({ "f.yaml": functionYaml("f", { CodeFileName: "missing.zip" }) })), 400, "FSS.1011", "missing.zip");
  });

  it("create validations from the YAML: 1003 handler, 1005 runtime, 1007 memory, 1008 timeout, 1019 description, 1006 code type", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ Handler: "nodot" }, "FSS.1003"],
      [{ Runtime: "Cobol85" }, "FSS.1005"],
      [{ MemorySize: 100 }, "FSS.1007"],
      [{ Timeout: 1 }, "FSS.1008"],
      [{ Timeout: 259201 }, "FSS.1008"],
      [{ Description: "x".repeat(513) }, "FSS.1019"],
      [{ CodeType: "inline" }, "FSS.1006"],
    ];
    for (const [props, code] of cases) await expectError(body("f", await importPackage("f", { yaml: functionYaml("f", props) })), 400, code);
  });

  it("user_data from Environment.Variables: 1017 over 20 items, 1018 over 4 KB, 1009 malformed", async () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`K${i}`, "v"]));
    await expectError(body("f", await importPackage("f", { yaml: functionYaml("f", { Environment: { Variables: many } }) })), 400, "FSS.1017");
    const big = { A: "x".repeat(5000) };
    await expectError(body("f", await importPackage("f", { yaml: functionYaml("f", { Environment: { Variables: big } }) })), 400, "FSS.1018");
    await expectError(body("f", await importPackage("f", { yaml: functionYaml("f", { Environment: { Variables: ["a", "b"] } }) })), 400, "FSS.1009");
  });

  it("request body: 1002 name, 1013 file type, 1004 package, 1058 app equals name, 0400 naming the field", async () => {
    const pkg = await importPackage("f");
    await expectError(body("9bad", pkg), 400, "FSS.1002", "func_name");
    await expectError(body("f", pkg, { file_type: "jar" }), 400, "FSS.1013", "file_type");
    await expectError(body("f", pkg, { package: "bad-name!" }), 400, "FSS.1004", "package");
    await expectError(body("f", pkg, { package: "f" }), 400, "FSS.1058");
    await expectError({ func_name: "f", file_name: "f.zip", file_type: "zip" }, 400, "FSS.0400", "file_code");
    await expectError(body("f", pkg, { file_code: "***not base64***" }), 400, "FSS.0400", "file_code");
    const r = await signedRequest(emu, "POST", "/import", { body: "not an object" });
    assert.equal(r.json().error_code, "FSS.0400");
  });

  it("a package text of 64 KiB and more (cut out of the parse, decoded in slices): the same answers as a small one", async () => {
    const { createHash, randomBytes } = await import("node:crypto");
    const code = await zip({ "index.js": "exports.handler = async () => 'big';\n", "noise.bin": randomBytes(52 * 1024) });
    const pkg = await importPackage("big", { code });
    assert.ok(pkg.toString("base64").length >= 64 * 1024 && pkg.length < 64 * 1024, "a text the parse cuts out, a package under the limit");
    const r = await signedRequest(emu, "POST", "/import", { body: body("big", pkg) });
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.json().digest, createHash("sha512").update(code).digest("hex"), "the stored code is the package's code.zip");
    await emu.reset();
    // Bad text: the schema's error, before any other field's that comes after it (package) and before 1058.
    const b64 = pkg.toString("base64");
    for (const bad of [`${b64.slice(0, 1000)}*${b64.slice(1001)}`, `${b64.slice(0, 1000)}-${b64.slice(1001)}`, `${b64}A`, `${b64.slice(0, -4)}====`]) {
      await expectError(body("f", pkg, { file_code: bad }), 400, "FSS.0400", "file_code");
      await expectError(body("f", pkg, { file_code: bad, package: "bad-name!" }), 400, "FSS.0400", "file_code");
      await expectError(body("f", pkg, { file_code: bad, package: "f" }), 400, "FSS.0400", "file_code");
    }
    await expectError(body("9bad", pkg), 400, "FSS.1002", "func_name");
    await expectError(body("f", pkg, { package: "f" }), 400, "FSS.1058");
  });

  it("FSS.1023: a package over the import limit", async () => {
    const { randomBytes } = await import("node:crypto");
    const pkg = await importPackage("f", { extra: { "noise.bin": randomBytes(70 * 1024) } });
    await expectError(body("f", pkg), 400, "FSS.1023");
  });

  it("409 FSS.1061 for an existing name; 403 FSS.1041 over the function quota", async () => {
    const pkg = await importPackage("dup");
    assert.equal((await signedRequest(emu, "POST", "/import", { body: body("dup", pkg) })).status, 200);
    const again = await signedRequest(emu, "POST", "/import", { body: body("dup", pkg) });
    assert.deepEqual([again.status, again.json().error_code], [409, "FSS.1061"]);
    await emu.seedFunction({ func_name: "s1" });
    await emu.seedFunction({ func_name: "s2" });
    const over = await signedRequest(emu, "POST", "/import", { body: body("q", await importPackage("q")) });
    assert.deepEqual([over.status, over.json().error_code], [403, "FSS.1041"]);
  });
});

describe("import: one at a time per account", () => {
  it("a concurrent import gets 429 FSS.0429 and the first one completes", async () => {
    const emu = await startEmulator({ limits: { importDelayMs: 300 } });
    try {
      const first = signedRequest(emu, "POST", "/import", { body: body("one", await importPackage("one")) });
      await new Promise((r) => setTimeout(r, 100));
      const second = await signedRequest(emu, "POST", "/import", { body: body("two", await importPackage("two")) });
      assert.deepEqual([second.status, second.json().error_code], [429, "FSS.0429"]);
      assert.equal((await first).status, 200);
      const third = await signedRequest(emu, "POST", "/import", { body: body("two", await importPackage("two")) });
      assert.equal(third.status, 200, "the slot is free again");
    } finally {
      await emu.close();
    }
  });
});
