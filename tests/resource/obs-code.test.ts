/**
 * Code through OBS at the resource level, against the emulator (FunctionGraph + its OBS): `codeStorage: "obs"`,
 * the automatic switch over the inline limit, content-hash keys (an unchanged package is never uploaded again),
 * a user's own `codeUrl` redeployed when its ETag changes, preview refusals, and interrupted uploads converging.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { closeDispatchers } from "../../provider/api";
import { ObsClient } from "../../provider/obs/client";
import * as lifecycle from "../../provider/resource/lifecycle";
import { checkedInputs, configureFor, writeTree } from "./helpers";

let emu: EmulatorHandle;
let work: string;

function args(extra: Record<string, unknown>): Record<string, unknown> {
  return { runtime: "Node.js18.15", handler: "index.handler", funcName: "fn-obs", ...extra };
}

/** One `pulumi up` of one resource as the engine drives the plugin: check (old inputs), then create or diff + update (old outputs). */
type Deployed = { id: string; inputs: Record<string, unknown>; outs: Record<string, unknown>; changed: boolean };
async function up(news: Record<string, unknown>, prev?: Deployed): Promise<Deployed> {
  const inputs = await checkedInputs(prev?.inputs ?? {}, news);
  if (!prev) {
    const res = await lifecycle.create(inputs);
    return { id: res.id!, inputs, outs: res.outs as Record<string, unknown>, changed: true };
  }
  const d = await lifecycle.diff(prev.id, prev.outs, inputs);
  if (!d.changes) return { ...prev, inputs, changed: false };
  const res = await lifecycle.update(prev.id, prev.outs, inputs);
  return { id: prev.id, inputs, outs: res.outs as Record<string, unknown>, changed: true };
}

const obsWrites = () => emu.obs.requests().filter((e) => ["putObject", "uploadPart", "initiateMultipartUpload", "completeMultipartUpload"].includes(e.operation));
const obsClient = () => new ObsClient({ endpoint: emu.obs.url, credentials: { kind: "aksk", accessKey: emu.credentials.accessKey, secretKey: emu.credentials.secretKey }, retryBaseDelayMs: 1 });

before(async () => {
  process.env.FGS_QUIET = "1";
  process.env.HW_RETRY_BASE_DELAY_MS = "5";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-obs-code-"));
  emu = await startEmulator({ quiet: true });
});
after(async () => {
  delete process.env.FGS_CODE_LIMIT_BYTES;
  await closeDispatchers();
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  delete process.env.FGS_CODE_LIMIT_BYTES;
  await emu.reset();
  await emu.obs.createBucket("fgs-code");
  await configureFor(emu, { "functiongraph:obsEndpoint": emu.obs.url });
});

describe("staging the package in OBS", () => {
  it("codeStorage obs: the zip goes to the bucket under its content hash and the function points at it", async () => {
    const dir = writeTree(work, "a", { "index.js": "exports.handler = async () => 'obs';\n" });
    const first = await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }));
    const objects = emu.obs.objects("fgs-code");
    assert.equal(objects.length, 1);
    assert.equal(objects[0].key, `functiongraph/${String(first.outs.zipSha512).slice(0, 64)}.zip`);
    assert.equal(first.outs.codeType, "obs");
    assert.equal(first.outs.digest, first.outs.zipSha512);
    assert.deepEqual(emu.code(String(first.outs.funcUrn)), await emu.obs.read("fgs-code", objects[0].key));
    assert.deepEqual(emu.requests({ writesOnly: true }).map((r) => r.operation), ["import", "updateCode"]);

    // A second up: no upload, no FunctionGraph write.
    emu.clearLog();
    emu.obs.clearLog();
    const second = await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }), first);
    assert.equal(second.changed, false);
    assert.deepEqual(emu.requests({ writesOnly: true }), []);
    assert.deepEqual(obsWrites(), []);

    // The same bytes for another function: HEAD finds the object; nothing is uploaded.
    emu.obs.clearLog();
    await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code", funcName: "fn-obs-twin" }));
    assert.deepEqual(obsWrites(), []);
    assert.ok(emu.obs.requests().some((e) => e.operation === "headObject" && e.status === 200));
  });

  it("a zip over the inline limit goes through the bucket from stack config; without a bucket the upload says how", async () => {
    process.env.FGS_CODE_LIMIT_BYTES = "2000";
    const dir = writeTree(work, "big", { "index.js": "exports.handler = 1;\n", "blob.bin": randomBytes(8000) });
    // A preview never builds the zip (issue 17), so the zip's size is checked when it is built, before any call.
    const checked = await lifecycle.check({}, args({ sourceDir: dir }));
    assert.deepEqual(checked.failures ?? [], []);
    emu.clearLog();
    await assert.rejects(lifecycle.create(checked.inputs), /sourceDir: the code zip is .* over the service's .* limit .*set codeBucket/);
    assert.deepEqual(emu.requests({ writesOnly: true }), [], "nothing was created");

    await configureFor(emu, { "functiongraph:obsEndpoint": emu.obs.url, "functiongraph:codeBucket": "fgs-code", "functiongraph:codeKeyPrefix": "pkgs/" });
    const res = await up(args({ sourceDir: dir }));
    assert.equal(res.outs.codeType, "obs");
    assert.deepEqual(emu.obs.objects("fgs-code").map((o) => o.key), [`pkgs/${String(res.outs.zipSha512).slice(0, 64)}.zip`]);

    // A source change uploads a new object and redeploys; the old object stays (content-addressed).
    fs.writeFileSync(path.join(dir, "blob.bin"), randomBytes(8000));
    const changed = await up(args({ sourceDir: dir }), res);
    assert.equal(changed.changed, true);
    assert.notEqual(changed.outs.digest, res.outs.digest);
    assert.equal(emu.obs.objects("fgs-code").length, 2);
  });

  it("an interrupted multipart upload of the same package is resumed or aborted: none is left behind", async () => {
    const dir = writeTree(work, "mp", { "index.js": "exports.handler = 1;\n", "data.bin": randomBytes(40 * 1024 * 1024) });
    const inputs = await checkedInputs({}, args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }));
    // What a killed `up` leaves: an upload for the very key this package stages under, with a part of other bytes.
    const { packageSource } = await import("../../provider/package");
    const pkg = await packageSource(dir);
    const key = `functiongraph/${pkg.zipSha512.slice(0, 64)}.zip`;
    const c = obsClient();
    const orphan = await c.initiateUpload("fgs-code", key);
    await c.uploadPart("fgs-code", key, orphan, 1, randomBytes(200 * 1024));
    const res = await lifecycle.create(inputs);
    assert.equal((res.outs as Record<string, unknown>).digest, pkg.zipSha512);
    assert.deepEqual(emu.obs.uploads("fgs-code"), []);
    assert.deepEqual(await emu.obs.read("fgs-code", key), pkg.zip);
  });
});

describe("opt-in clean-up of old staged packages", () => {
  it("with functiongraph:codeRetentionDays, packages older than that are deleted after staging; never the current one", async () => {
    const dir = writeTree(work, "keep", { "index.js": "exports.handler = 'v1';\n" });
    await obsClient().putObject("fgs-code", "functiongraph/not-a-package.txt", Buffer.from("kept: not ours"));
    const v1 = await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }));
    const key1 = `functiongraph/${String(v1.outs.zipSha512).slice(0, 64)}.zip`;
    writeTree(work, "keep", { "index.js": "exports.handler = 'v2';\n" });
    // Without the policy nothing is deleted.
    const v2 = await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }), v1);
    const key2 = `functiongraph/${String(v2.outs.zipSha512).slice(0, 64)}.zip`;
    assert.deepEqual(emu.obs.objects("fgs-code", "functiongraph/").map((o) => o.key).sort(), [key1, key2, "functiongraph/not-a-package.txt"].sort());
    // Retention 0 days: every older package goes once the next one is staged.
    await configureFor(emu, { "functiongraph:obsEndpoint": emu.obs.url, "functiongraph:codeRetentionDays": "0" });
    writeTree(work, "keep", { "index.js": "exports.handler = 'v3';\n" });
    const v3 = await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }), v2);
    const key3 = `functiongraph/${String(v3.outs.zipSha512).slice(0, 64)}.zip`;
    assert.deepEqual(emu.obs.objects("fgs-code", "functiongraph/").map((o) => o.key).sort(), [key3, "functiongraph/not-a-package.txt"].sort());
    // A long retention keeps them.
    await configureFor(emu, { "functiongraph:obsEndpoint": emu.obs.url, "functiongraph:codeRetentionDays": "30" });
    writeTree(work, "keep", { "index.js": "exports.handler = 'v4';\n" });
    await up(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "fgs-code" }), v3);
    assert.equal(emu.obs.objects("fgs-code", "functiongraph/").length, 3);
  });
});

describe("codeUrl: the user's own object", () => {
  it("deploys from the object, and a changed ETag at preview redeploys it", async () => {
    const v1 = writeTree(work, "u1", { "index.js": "exports.handler = async () => 'v1';\n" });
    const { packageSource } = await import("../../provider/package");
    const zip1 = (await packageSource(v1)).zip;
    await obsClient().putObject("fgs-code", "mine/app.zip", zip1);
    const codeUrl = `https://fgs-code.obs.${emu.region}.myhuaweicloud.com/mine/app.zip`;
    const first = await up(args({ codeUrl }));
    assert.deepEqual(emu.code(String(first.outs.funcUrn)), zip1);

    emu.clearLog();
    const same = await up(args({ codeUrl }), first);
    assert.equal(same.changed, false);
    assert.deepEqual(emu.requests({ writesOnly: true }), []);

    const v2 = writeTree(work, "u2", { "index.js": "exports.handler = async () => 'v2';\n" });
    const zip2 = (await packageSource(v2)).zip;
    await obsClient().putObject("fgs-code", "mine/app.zip", zip2);
    const preview = await lifecycle.check(first.inputs, args({ codeUrl }));
    assert.match(String(preview.inputs.sourceChanges), /ETag/);
    const redeployed = await up(args({ codeUrl }), first);
    assert.equal(redeployed.changed, true);
    assert.deepEqual(emu.code(String(first.outs.funcUrn)), zip2);
    assert.deepEqual(emu.requests({ writesOnly: true }).map((r) => r.operation), ["updateCode"]);
  });
});

describe("preview refusals", () => {
  const refusal = async (news: Record<string, unknown>) => {
    const failures = (await lifecycle.check({}, news)).failures ?? [];
    assert.ok(failures.length > 0, "expected a refusal");
    return failures;
  };

  it("a bucket in another region, a missing bucket, a missing object, a bad name, and contradictory arguments", async () => {
    const dir = writeTree(work, "r", { "index.js": "exports.handler = 1;\n" });
    await emu.obs.createBucket("far-away", "ap-southeast-1");
    let f = await refusal(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "far-away" }));
    assert.equal(f[0].property, "codeBucket");
    assert.match(f[0].reason, /is in ap-southeast-1.*function's region \(cn-north-4\)/);
    f = await refusal(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "no-such-bucket" }));
    assert.match(f[0].reason, /does not exist/);
    f = await refusal(args({ sourceDir: dir, codeStorage: "obs", codeBucket: "Bad_Bucket" }));
    assert.equal(f[0].property, "codeBucket");
    f = await refusal(args({ codeUrl: `https://fgs-code.obs.${emu.region}.myhuaweicloud.com/none.zip` }));
    assert.equal(f[0].property, "codeUrl");
    assert.match(f[0].reason, /does not exist.*FSS\.1054/);
    f = await refusal(args({ codeUrl: "https://fgs-code.obs.ap-southeast-1.myhuaweicloud.com/x.zip" }));
    assert.match(f[0].reason, /in ap-southeast-1/);
    f = await refusal(args({ sourceDir: dir, codeUrl: `https://fgs-code.obs.${emu.region}.myhuaweicloud.com/x.zip` }));
    assert.equal(f[0].property, "codeUrl");
    assert.match(f[0].reason, /either sourceDir .* or codeUrl/);
    f = await refusal(args({ sourceDir: dir, codeStorage: "obs" }));
    assert.match(f[0].reason, /no bucket is set/);
    f = await refusal(args({}));
    assert.equal(f[0].property, "sourceDir");
  });
});
