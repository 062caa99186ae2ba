/**
 * Proof for packages over the inline limit: a ~120 MB incompressible source tree (generated here in a temp dir)
 * deploys through OBS — staged in a multipart upload, the function pointed at the object — and the next `up`
 * uploads nothing. The same package for a second function is found by HEAD and not sent again.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { closeDispatchers } from "../../provider/api";
import * as lifecycle from "../../provider/resource/lifecycle";
import { checkedInputs, configureFor } from "./helpers";

const MB = 1024 * 1024;
let emu: EmulatorHandle;
let work: string;

before(async () => {
  process.env.FGS_QUIET = "1";
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-obs-large-"));
  fs.writeFileSync(path.join(work, "index.js"), "exports.handler = async () => 'big';\n");
  // 120 MB of random bytes: deflate cannot shrink it, so the zip is ~120 MB — over the 50 MB inline limit.
  for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(work, `vendor-${i}.bin`), randomBytes(10 * MB));
  emu = await startEmulator({ quiet: true });
  await emu.obs.createBucket("big-packages");
  await configureFor(emu, { "functiongraph:obsEndpoint": emu.obs.url, "functiongraph:codeBucket": "big-packages" });
});
after(async () => {
  await closeDispatchers();
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const bytesUploaded = () => emu.obs.requests().filter((e) => e.operation === "uploadPart" || e.operation === "putObject")
  .reduce((n, e) => n + e.bytesIn, 0);

describe("a ~120 MB incompressible package through OBS", () => {
  const news = { sourceDir: work, runtime: "Node.js18.15", handler: "index.handler", funcName: "big-fn" };
  let first: { id: string; inputs: Record<string, unknown>; outs: Record<string, unknown> };

  it("the first up stages it in parallel parts and deploys it from the bucket", async () => {
    const inputs = await checkedInputs({}, news);
    const res = await lifecycle.create(inputs);
    first = { id: res.id!, inputs, outs: res.outs as Record<string, unknown> };
    const objects = emu.obs.objects("big-packages");
    assert.equal(objects.length, 1);
    assert.ok(objects[0].size > 120 * MB, `zip of ${objects[0].size} bytes`);
    assert.match(objects[0].etag, /-8"$/, "16 MB parts: 8 of them");
    assert.equal(emu.obs.requests({ operation: "uploadPart" }).length, 8);
    assert.equal(bytesUploaded(), objects[0].size);
    assert.deepEqual(emu.obs.uploads("big-packages"), []);
    assert.equal(first.outs.codeType, "obs");
    assert.equal(first.outs.codeSize, objects[0].size);
    const deployed = emu.code(String(first.outs.funcUrn))!;
    assert.equal(createHash("sha512").update(deployed).digest("hex"), first.outs.zipSha512);
    assert.equal(first.outs.digest, first.outs.zipSha512);
    assert.deepEqual(emu.requests({ writesOnly: true }).map((r) => r.operation), ["import", "updateCode"]);
  });

  it("the second up makes no upload and no write", async () => {
    emu.clearLog();
    emu.obs.clearLog();
    const inputs = await checkedInputs(first.inputs, news);
    const d = await lifecycle.diff(first.id, first.outs, inputs);
    assert.equal(d.changes, false);
    assert.equal(bytesUploaded(), 0);
    assert.deepEqual(emu.obs.requests(), []);
    assert.deepEqual(emu.requests({ writesOnly: true }), []);
  });

  it("the same package for another function: HEAD finds it, nothing is sent", async () => {
    emu.obs.clearLog();
    const inputs = await checkedInputs({}, { ...news, funcName: "big-fn-2" });
    const res = await lifecycle.create(inputs);
    assert.equal((res.outs as Record<string, unknown>).digest, first.outs.digest);
    assert.equal(bytesUploaded(), 0);
    assert.deepEqual(emu.obs.requests().map((e) => e.operation), ["headBucket", "headObject"]);
  });
});
