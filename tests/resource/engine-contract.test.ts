/**
 * What the real Pulumi engine does that a direct lifecycle call can hide: partial-create properties become the
 * outputs Delete/Read get (so they must carry `__provider`), refresh and delete see only the outputs (so a
 * resource-level endpoint is recorded), publishVersion can be turned off, state from an older provider lacks
 * outputs, unknown identity values in preview, and request timeouts for big uploads.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { UNKNOWN } from "../../provider/resource/defaults";
import { checkedInputs, configureFor, writeTree } from "./helpers";

let emu: EmulatorHandle;
let work: string;

function args(sourceDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sourceDir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-c", __provider: "SERIALIZED", ...extra };
}

async function deploy(news: Record<string, unknown>) {
  const inputs = await checkedInputs({}, news);
  const res = await lifecycle.create({ ...inputs, __provider: news.__provider });
  return { inputs, id: res.id, outs: res.outs as Record<string, unknown> };
}

const writes = () => emu.requests({ writesOnly: true }).map((r) => r.operation);

before(async () => {
  process.env.FGS_QUIET = "1";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-contract-"));
  emu = await startEmulator({ quiet: true });
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  await emu.reset();
  await configureFor(emu);
});

describe("engine contract", () => {
  it("a partial create's properties carry __provider (the engine stores them as the outputs Delete and Read get)", async () => {
    const dir = writeTree(work, "p", { "index.js": "exports.handler = 1;\n" });
    const inputs = await checkedInputs({}, args(dir, { publishVersion: true }));
    emu.setFaults("commitDrop=publishVersion:1");
    const err = await lifecycle.create({ ...inputs, __provider: "SERIALIZED" })
      .then(() => undefined, (e: unknown) => e as Error & { id?: string; properties?: Record<string, unknown> });
    assert.ok(err?.id, "a partial create");
    assert.equal(err.properties?.__provider, "SERIALIZED");
    assert.equal(err.properties?.incomplete, true);
  });

  it("turning publishVersion off is a change, and the update records version 'latest' without a write", async () => {
    const dir = writeTree(work, "v", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir, { publishVersion: true }));
    assert.notEqual(first.outs.version, "latest");
    const news = await checkedInputs(first.inputs, args(dir, { publishVersion: false }));
    emu.clearLog();
    const d = await lifecycle.diff(first.id, first.outs, news);
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
    assert.equal(d.deleteBeforeReplace, false);
    const up = await lifecycle.update(first.id, first.outs, news);
    const outs = up.outs as Record<string, unknown>;
    assert.equal(outs.version, "latest");
    assert.equal(outs.publishVersion, false);
    assert.deepEqual(writes(), []);
    // And then it is stable.
    const again = await checkedInputs(news, args(dir, { publishVersion: false }));
    assert.equal((await lifecycle.diff(first.id, outs, again)).changes, false);
  });

  it("a resource-level endpoint is recorded, so refresh and delete (outputs only) reach the same service", async () => {
    await configureFor(emu, { "functiongraph:endpoint": undefined }); // only the resource names the endpoint
    const dir = writeTree(work, "e", { "index.js": "exports.handler = 1;\n" });
    const { inputs, id, outs } = await deploy(args(dir, { endpoint: emu.url }));
    assert.equal(outs.endpoint, emu.url);
    assert.equal((await lifecycle.diff(id, outs, await checkedInputs(inputs, args(dir, { endpoint: emu.url })))).changes, false);
    const read = await lifecycle.read(id, outs);
    assert.equal(read.id, id);
    await lifecycle.remove(id, outs);
    assert.equal(emu.functions().length, 0);
  });

  it("state from an older provider (outputs missing) never replaces and reports no drift", async () => {
    const dir = writeTree(work, "o", { "index.js": "exports.handler = 1;\n" });
    const { inputs, id, outs } = await deploy(args(dir));
    const old = { ...outs };
    for (const k of ["region", "projectId", "package", "publishVersion", "driftCheck", "expectedDigest", "environment", "description", "runtime", "memorySize"]) delete old[k];
    const news = await checkedInputs(inputs, args(dir));
    const d = await lifecycle.diff(id, old, news);
    assert.deepEqual(d.replaces, []);
    assert.equal(d.deleteBeforeReplace, false);
    // Only the settings it cannot see are an update (which then records them); never "drift".
    emu.clearLog();
    const up = await lifecycle.update(id, old, news);
    assert.deepEqual(writes(), [], "the live function already matches: nothing to write");
    assert.equal((await lifecycle.diff(id, up.outs as Record<string, unknown>, news)).changes, false);
  });

  it("an unknown funcName in preview shows the replacement `up` will make", async () => {
    const dir = writeTree(work, "u", { "index.js": "exports.handler = 1;\n" });
    const { inputs, id, outs } = await deploy(args(dir));
    const d = await lifecycle.diff(id, outs, { ...inputs, funcName: UNKNOWN });
    assert.deepEqual(d.replaces, ["funcName"]);
    assert.equal(d.deleteBeforeReplace, true);
    const same = await lifecycle.diff(id, outs, await checkedInputs(inputs, args(dir)));
    const { stables, ...rest } = same;
    assert.deepEqual(rest, { changes: false, replaces: [], deleteBeforeReplace: false });
    assert.ok(stables?.includes("funcUrn") && stables.includes("funcId") && stables.includes("version"), String(stables));
  });

  it("request timeouts grow with the body (a 50 MB zip on a 1 Mbit/s link) and FGS_REQUEST_TIMEOUT_MS sets the base", () => {
    assert.equal(lifecycle.requestTimeoutMs(0, {}), 120_000);
    const base64Of50MB = Math.ceil(50 * 1024 * 1024 * 4 / 3);
    assert.ok(lifecycle.requestTimeoutMs(base64Of50MB, {}) > 120_000 + base64Of50MB / (128 * 1024) * 1000 - 1);
    assert.equal(lifecycle.requestTimeoutMs(0, { FGS_REQUEST_TIMEOUT_MS: "5000" }), 5000);
    assert.equal(lifecycle.requestTimeoutMs(0, { FGS_REQUEST_TIMEOUT_MS: "soon" }), 120_000);
  });
});
