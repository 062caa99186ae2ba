import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatFaultSpec, parseFaultSpec, startEmulator, type EmulatorHandle } from "../../emulator";
import { WRITE_OPERATIONS } from "../../emulator/api/api-operations";
import { FaultInjector } from "../../emulator/http/faults";
import { codeZip, importPackage, rawRequest, signedRequest } from "./helpers";

describe("faults SPEC parsing", () => {
  it("parses the documented example and round-trips it", () => {
    const c = parseFaultSpec("429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.1:200ms,commitDrop=import|code:1,seed=42");
    assert.deepEqual(c, {
      rate429: 0.1, rate500: 0.05, rate503: 0.05, rateReset: 0.05, latency: { rate: 0.1, ms: 200 },
      commitDrop: { operations: ["import", "updateCode"], count: 1 }, seed: 42,
    });
    assert.deepEqual(parseFaultSpec(formatFaultSpec(c)), c);
    assert.deepEqual(parseFaultSpec("commitDrop=*:0.5,latency=1:2s"), {
      commitDrop: { operations: [...WRITE_OPERATIONS], rate: 0.5 }, latency: { rate: 1, ms: 2000 },
    });
    assert.deepEqual(parseFaultSpec(""), {});
    assert.deepEqual(parseFaultSpec("none"), {});
  });

  it("rejects bad specs with a message naming the problem", () => {
    const bad: Array<[string, RegExp]> = [
      ["429=1.5", /429=1.5/], ["500=abc", /probability/], ["teapot=0.1", /unknown key 'teapot'/], ["429", /key=value/],
      ["latency=0.1", /P:DURATION/], ["latency=0.1:fast", /duration/], ["commitDrop=import", /OPS:N/],
      ["commitDrop=explode:1", /unknown operation 'explode'/], ["seed=x", /integer/], ["429=0.6,500=0.6", /more than 1/],
      ["429=0.1,429=0.2", /twice/],
    ];
    for (const [spec, msg] of bad) assert.throws(() => parseFaultSpec(spec), msg, spec);
  });

  it("is deterministic for a seed", () => {
    const run = () => {
      const f = new FaultInjector("429=0.3,500=0.2,latency=0.5:1ms,seed=7");
      return Array.from({ length: 50 }, () => JSON.stringify(f.before()));
    };
    assert.deepEqual(run(), run());
    const kinds = new Set(run().map((s) => JSON.parse(s).kind));
    assert.ok(kinds.has("429") && kinds.has("500") && kinds.has(undefined));
  });
});

describe("fault injection over HTTP", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
  });
  beforeEach(() => emu.reset());
  after(() => emu.close());

  for (const [spec, status, code] of [["429=1", 429, "FSS.0429"], ["500=1", 500, "FSS.0500"], ["503=1", 503, "FSS.0503"]] as const) {
    it(`${spec} answers ${status} ${code}, logged with the fault`, async () => {
      emu.setFaults(spec);
      const r = await signedRequest(emu, "GET", "");
      assert.deepEqual([r.status, r.json().error_code], [status, code]);
      assert.ok(r.headers["x-request-id"]);
      assert.equal(emu.requests().at(-1)?.fault, String(status));
    });
  }

  it("reset destroys the connection", async () => {
    emu.setFaults("reset=1");
    await assert.rejects(signedRequest(emu, "GET", ""), /ECONNRESET|socket hang up/);
    assert.equal(emu.requests().at(-1)?.fault, "reset");
    assert.equal(emu.requests().at(-1)?.status, 0);
  });

  it("latency delays the answer", async () => {
    emu.setFaults({ latency: { rate: 1, ms: 150 } });
    const t = Date.now();
    assert.equal((await signedRequest(emu, "GET", "")).status, 200);
    assert.ok(Date.now() - t >= 140);
    assert.equal(emu.requests().at(-1)?.fault, "latency");
  });

  it("commitDrop really commits the import and the code update, then drops the connection, N times only", async () => {
    emu.setFaults("commitDrop=import|code:1");
    const pkg = await importPackage("cd");
    const body = { func_name: "cd", file_name: "cd.zip", file_type: "zip", file_code: pkg.toString("base64") };
    await assert.rejects(signedRequest(emu, "POST", "/import", { body }), /ECONNRESET|socket hang up/);
    assert.deepEqual(emu.functions().map((f) => f.func_name), ["cd"], "the import was committed");
    const log = emu.requests({ operation: "import" });
    assert.deepEqual([log[0].fault, log[0].committedStatus], ["commitDrop", 200]);
    const retry = await signedRequest(emu, "POST", "/import", { body });
    assert.equal(retry.json().error_code, "FSS.1061", "a blind retry finds the function existing");

    const z = await codeZip("dropped update");
    const urn = "default:cd";
    emu.setFaults("commitDrop=updateCode:1");
    await assert.rejects(signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: z.toString("base64") } } }));
    assert.deepEqual(emu.code(urn), z, "the code update was committed");
    const second = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: z.toString("base64") } } });
    assert.equal(second.status, 200, "count exhausted");
    assert.equal((await signedRequest(emu, "GET", `/${urn}/config`)).status, 200, "reads are never dropped");
  });

  it("commitDrop with a rate (1.0) drops every matching write after committing it", async () => {
    await emu.seedFunction({ func_name: "gone" });
    await emu.seedFunction({ func_name: "gone2" });
    emu.setFaults("commitDrop=delete:1.0");
    await assert.rejects(signedRequest(emu, "DELETE", "/gone"));
    await assert.rejects(signedRequest(emu, "DELETE", "/gone2"));
    assert.deepEqual(emu.functions(), [], "both deletes were committed");
    assert.deepEqual(emu.requests({ operation: "delete" }).map((e) => [e.fault, e.committedStatus]), [["commitDrop", 204], ["commitDrop", 204]]);
  });

  it("faults never apply to admin routes, and the admin surface sets them at runtime", async () => {
    const put = await rawRequest(emu.url, "PUT", "/__admin/faults", { "Content-Type": "application/json", "X-Fgs-Admin": emu.adminToken }, JSON.stringify({ spec: "503=1,seed=3" }));
    assert.equal(put.status, 200);
    assert.equal(put.json().spec, "503=1,seed=3");
    assert.equal((await rawRequest(emu.url, "GET", "/__admin/health", { "X-Fgs-Admin": emu.adminToken })).status, 200);
    assert.equal((await signedRequest(emu, "GET", "")).status, 503);
    const bad = await rawRequest(emu.url, "PUT", "/__admin/faults", { "X-Fgs-Admin": emu.adminToken }, JSON.stringify({ spec: "503=2" }));
    assert.equal(bad.status, 400);
    assert.match(String(bad.json().error_msg), /503=2/);
    assert.equal((await rawRequest(emu.url, "DELETE", "/__admin/faults", { "X-Fgs-Admin": emu.adminToken })).status, 204);
    assert.equal((await signedRequest(emu, "GET", "")).status, 200);
  });

  it("faults apply after authentication: a bad signature is still 401", async () => {
    emu.setFaults("500=1");
    assert.equal((await signedRequest(emu, "GET", "", { sk: "bad" })).status, 401);
  });
});
