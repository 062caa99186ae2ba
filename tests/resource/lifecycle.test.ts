/**
 * The `Function` lifecycle called directly on the provider (as the plugin would) against the emulator:
 * create, unchanged (no write call), code change, config change, rename, 409 with and without `adopt`,
 * ambiguous import, partial create, drift, delete of an absent function, sentinel inputs.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as lifecycle from "../../provider/resource/lifecycle";
import { UNKNOWN } from "../../provider/resource/defaults";
import { writeStoredZip } from "../../provider/api/stored-zip";
import { hashSource } from "../../provider/package";
import { checkedInputs, configureFor, writeTree } from "./helpers";

let emu: EmulatorHandle;
let work: string;

const sourceTree = (name: string, files: Record<string, string>) => writeTree(work, name, files);

function args(sourceDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sourceDir, runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-a", ...extra };
}

const checked = checkedInputs;

/** Runs check + create; returns the checked inputs and the create result. */
async function deploy(news: Record<string, unknown>) {
  const inputs = await checked({}, news);
  const res = await lifecycle.create(inputs);
  return { inputs, id: res.id, outs: res.outs as Record<string, unknown> };
}

const writes = () => emu.requests({ writesOnly: true }).map((r) => r.operation);

before(async () => {
  process.env.FGS_QUIET = "1";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-lifecycle-"));
  emu = await startEmulator({ quiet: true });
  await configureFor(emu);
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  await emu.reset();
});

describe("create", () => {
  it("imports once and returns the model, the source hash and the digest", async () => {
    const dir = sourceTree("a", { "index.js": "exports.handler = async () => 1;\n" });
    const { inputs, id, outs } = await deploy(args(dir, { memorySize: 256, environment: { B: "2", A: "1" } }));
    assert.deepEqual(writes(), ["import"]);
    assert.equal(id, outs.funcUrn);
    assert.match(String(outs.funcUrn), /^urn:fss:cn-north-4:[0-9a-z]+:function:default:fn-a$/);
    assert.match(String(outs.digest), /^[0-9a-f]{128}$/);
    assert.equal(outs.digest, outs.expectedDigest);
    assert.equal(outs.version, "latest");
    assert.equal(inputs.sourceSha512, undefined, "a create's check lists the files, it does not hash them");
    assert.equal(outs.sourceSha512, (await hashSource(dir)).sourceSha512, "the create records the hash its packaging computed");
    assert.equal(outs.memorySize, 256);
    assert.equal(outs.cpu, 400);
    assert.deepEqual(outs.environment, { A: "1", B: "2" });
    assert.equal(outs.fileCount, 1);
    assert.equal(emu.functions().length, 1);
  });

  it("publishes a version when publishVersion", async () => {
    const dir = sourceTree("pv", { "index.js": "exports.handler = 1;\n" });
    const { outs } = await deploy(args(dir, { publishVersion: true }));
    assert.deepEqual(writes(), ["import", "publishVersion"]);
    assert.notEqual(outs.version, "latest");
  });
});

describe("refresh of a function a create recorded", () => {
  it("reads back exactly the create's outputs, and the engine's refresh diff (read outputs vs recorded inputs) is empty", async () => {
    const dir = sourceTree("rf", { "index.js": "exports.handler = 1;\n" });
    const { inputs, id, outs } = await deploy(args(dir));
    assert.equal(typeof outs.funcId, "string", "the create records what a read gives");
    for (const round of [1, 2]) {
      const read = await lifecycle.read(id, outs);
      assert.deepEqual(read.props, outs, `refresh ${round}: the read changes no output`);
      // Pulumi 3.276's refresh diffs the refreshed outputs (as olds) against the recorded inputs (as news).
      const d = await lifecycle.diff(read.id ?? id, read.props as Record<string, unknown>, inputs);
      assert.equal(d.changes, false, `refresh ${round}: no change against a create's unhashed inputs`);
    }
  });
});

describe("update", () => {
  it("an unchanged stack makes no write call, and a code change makes exactly one PUT code", async () => {
    const dir = sourceTree("u", { "index.js": "exports.handler = 1;\n", "lib/a.js": "a\n" });
    const first = await deploy(args(dir));
    emu.clearLog();

    const again = await checked(first.inputs, args(dir));
    const d = await lifecycle.diff(first.id, first.outs, again);
    assert.equal(d.changes, false);
    assert.deepEqual(writes(), []);

    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = 2;\n");
    fs.writeFileSync(path.join(dir, "lib/b.js"), "b\n");
    // The engine recorded the unchanged preview's inputs (a same step), which carry the fingerprint the changed
    // files are told from (a create's check has none: it does not hash).
    const changed = await checked(again, args(dir));
    assert.match(String(changed.sourceChanges), /^1 added, 1 modified, 0 removed: \+ lib\/b\.js, ~ index\.js$/);
    const d2 = await lifecycle.diff(first.id, first.outs, changed);
    assert.equal(d2.changes, true);
    assert.deepEqual(d2.replaces, []);
    const up = await lifecycle.update(first.id, first.outs, changed);
    assert.deepEqual(writes(), ["updateCode"]);
    const outs = up.outs as Record<string, unknown>;
    assert.notEqual(outs.digest, first.outs.digest);
    assert.notEqual(outs.sourceSha512, first.outs.sourceSha512);
    assert.equal(outs.digest, outs.expectedDigest);
    assert.equal(outs.funcUrn, first.outs.funcUrn);
  });

  it("a memory change makes exactly one PUT config", async () => {
    const dir = sourceTree("m", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir));
    emu.clearLog();
    const changed = await checked(first.inputs, args(dir, { memorySize: 512 }));
    assert.equal((await lifecycle.diff(first.id, first.outs, changed)).changes, true);
    const up = await lifecycle.update(first.id, first.outs, changed);
    assert.deepEqual(writes(), ["updateConfig"]);
    assert.equal((up.outs as Record<string, unknown>).memorySize, 512);
  });

  it("a rename replaces, creating the new function first (the names cannot collide)", async () => {
    const dir = sourceTree("r", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir));
    const renamed = await checked(first.inputs, args(dir, { funcName: "fn-b" }));
    const d = await lifecycle.diff(first.id, first.outs, renamed);
    assert.deepEqual(d.replaces, ["funcName"]);
    assert.equal(d.deleteBeforeReplace, false);
  });

  it("reports drift made outside Pulumi and repairs it", async () => {
    const dir = sourceTree("d", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir));
    await emu.modifyCode(String(first.id), writeStoredZip([{ name: "index.js", data: Buffer.from("evil\n") }]));
    const again = await checked(first.inputs, args(dir));
    const d = await lifecycle.diff(first.id, first.outs, again);
    assert.equal(d.changes, true);

    const refreshed = await lifecycle.read(first.id, first.outs);
    const props = refreshed.props as Record<string, unknown>;
    assert.notEqual(props.digest, props.expectedDigest);

    emu.clearLog();
    const up = await lifecycle.update(first.id, props, again);
    assert.deepEqual(writes(), ["updateCode"]);
    assert.equal((up.outs as Record<string, unknown>).digest, first.outs.digest);
  });

  it("a preview against an endpoint nobody listens on fails within seconds, naming the endpoint, ECONNREFUSED and the fix", async () => {
    const dir = sourceTree("gone", { "index.js": "exports.handler = 1;\n" });
    const first = await deploy(args(dir));
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const closed = `http://127.0.0.1:${port}`;
    const again = await checked(first.inputs, args(dir, { endpoint: closed }));
    const started = Date.now();
    await assert.rejects(lifecycle.diff(first.id, first.outs, again), (e: Error & { code?: string; kind?: string }) => {
      assert.equal(e.code, "FGS_NETWORK");
      assert.equal(e.kind, "unreachable");
      assert.match(e.message, new RegExp(`^cannot reach ${closed}: connection refused \\(ECONNREFUSED\\)`));
      assert.match(e.message, new RegExp(`fgs emulator --port ${port} `));
      assert.match(e.message, /functiongraph:endpoint/);
      return true;
    });
    // Two brief retries (retry-policy.ts UNREACHABLE_*), not five backed off by seconds each.
    assert.ok(Date.now() - started < 5000, `failed after ${Date.now() - started} ms`);
  });
});

describe("existing functions", () => {
  it("refuses a name that exists without adopt, and takes it over with adopt", async () => {
    const dir = sourceTree("e", { "index.js": "exports.handler = 1;\n" });
    await emu.seedFunction({ func_name: "fn-a", runtime: "Python3.10", handler: "main.handler", code: writeStoredZip([{ name: "main.py", data: Buffer.from("x=1\n") }]) });
    const inputs = await checked({}, args(dir));
    await assert.rejects(lifecycle.create(inputs), /already exists.*adopt: true.*another funcName/s);
    assert.equal(emu.functions().length, 1);

    const adopting = await checked({}, args(dir, { adopt: true }));
    const res = await lifecycle.create(adopting);
    const outs = res.outs as Record<string, unknown>;
    assert.equal(outs.runtime, "Node.js18.15");
    assert.equal(emu.functions().length, 1);
  });

  it("an import whose answer was lost is looked up, not repeated", async () => {
    const dir = sourceTree("c", { "index.js": "exports.handler = 1;\n" });
    emu.setFaults("commitDrop=import:1");
    const { outs } = await deploy(args(dir));
    assert.equal(emu.functions().length, 1);
    assert.equal(emu.requests({ operation: "import" }).length, 1);
    assert.match(String(outs.digest), /^[0-9a-f]{128}$/);
  });

  it("a failure after the import is a partial create that the next update finishes", async () => {
    const dir = sourceTree("p", { "index.js": "exports.handler = 1;\n" });
    const inputs = await checked({}, args(dir, { publishVersion: true }));
    // The version is published but its answer is lost: the create cannot know, so it reports a partial create.
    emu.setFaults("commitDrop=publishVersion:1");
    const err = await lifecycle.create(inputs).then(() => undefined, (e: unknown) => e as Error & { id?: string; properties?: Record<string, unknown> });
    assert.ok(err, "the create must fail");
    assert.match(err.message, /was created but not finished.*next `pulumi up` will finish it/s);
    assert.match(String(err.id), /:function:default:fn-a$/);
    assert.equal(err.properties?.incomplete, true);
    assert.equal(emu.functions().length, 1);

    // The engine records id + properties; the next up diffs against them and finishes without importing again.
    emu.clearLog();
    const d = await lifecycle.diff(err.id!, err.properties!, inputs);
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
    const up = await lifecycle.update(err.id!, err.properties!, inputs);
    const outs = up.outs as Record<string, unknown>;
    assert.equal(outs.incomplete, undefined);
    assert.match(String(outs.version), /^v\d{8}-\d{6}$/, "the version published by the interrupted create is recorded");
    assert.deepEqual(writes(), ["publishVersion"], "only the publish is retried (and the service says nothing changed)");
    assert.equal(emu.functions().length, 1);
  });
});

describe("delete", () => {
  it("deletes, and an absent function counts as deleted", async () => {
    const dir = sourceTree("x", { "index.js": "exports.handler = 1;\n" });
    const { id, outs } = await deploy(args(dir));
    await lifecycle.remove(id, outs);
    assert.equal(emu.functions().length, 0);
    await lifecycle.remove(id, outs);
  });
});

describe("check", () => {
  it("skips work on unknown values and computes nothing from them", async () => {
    const res = await lifecycle.check({}, { ...args(UNKNOWN), handler: UNKNOWN });
    assert.deepEqual(res.failures, []);
    const inputs = res.inputs as Record<string, unknown>;
    assert.equal(inputs.sourceDir, UNKNOWN);
    assert.equal(inputs.sourceSha512, UNKNOWN);
    assert.equal(emu.requests().length, 0);
  });

  it("refuses bad arguments with the property, the reason and no API call", async () => {
    const dir = sourceTree("bad", { "index.js": "exports.handler = 1;\n" });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ runtime: "Node.js99" }, "runtime", /one of .*Node\.js18\.15/],
      [{ memorySize: 100 }, "memorySize", /128, 256/],
      [{ timeout: 1 }, "timeout", /at least 3/],
      [{ funcName: "9bad" }, "funcName", /start with a letter/],
      [{ handler: "index" }, "handler", /<file>\.<function>/],
      [{ handler: "main.handler" }, "handler", /main\.js/],
      [{ description: "x".repeat(513) }, "description", /512/],
      [{ environment: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`K${i}`, "v"])) }, "environment", /at most 20/],
      [{ sourceDir: path.join(dir, "missing") }, "sourceDir", /missing/],
      [{ sourceDir: "" }, "sourceDir", /empty/],
      [{ exclude: ["**"] }, "exclude", /./],
      [{ region: "Nowhere" }, "region", /cn-north-4/],
    ];
    for (const [extra, property, reason] of cases) {
      const res = await lifecycle.check({}, args(dir, extra));
      const f = res.failures?.find((x) => x.property === property);
      assert.ok(f, `${JSON.stringify(extra).slice(0, 60)}: expected a failure on ${property}, got ${JSON.stringify(res.failures)}`);
      assert.match(f.reason, reason);
    }
    assert.equal(emu.requests().length, 0);
  });
});
