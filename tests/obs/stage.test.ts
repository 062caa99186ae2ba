import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { closeDispatchers } from "../../provider/api";
import { ObsClient } from "../../provider/obs/client";
import { objectUrl, parseObjectUrl } from "../../provider/obs/endpoint";
import { stageFile } from "../../provider/obs/stage";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns: { lookup: (...args: any[]) => void } = require("node:dns");

const KB = 1024;

describe("provider OBS client and stager against the emulator", () => {
  let emu: EmulatorHandle;
  let dir: string;
  const client = (over: { sk?: string; token?: string; ak?: string; maxRetries?: number; endpoint?: string } = {}) => new ObsClient({
    endpoint: over.endpoint ?? emu.obs.url,
    credentials: { kind: "aksk", accessKey: over.ak ?? emu.credentials.accessKey, secretKey: over.sk ?? emu.credentials.secretKey, ...(over.token ? { securityToken: over.token } : {}) },
    maxRetries: over.maxRetries ?? 3, retryBaseDelayMs: 1,
  });
  const file = async (data: Buffer) => {
    const f = path.join(dir, randomBytes(6).toString("hex"));
    await fs.writeFile(f, data);
    return f;
  };
  const small = { multipartThreshold: 256 * KB, partSize: 128 * KB };

  before(async () => {
    emu = await startEmulator({ credentials: { temporary: [{ accessKey: "TMPKEY", secretKey: "tmp-secret", securityToken: "sts-token" }] } });
    await emu.obs.createBucket("stage");
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "fgs-stage-"));
  });
  after(async () => {
    await closeDispatchers();
    await emu.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("PUTs a small file once; a second stage finds it with HEAD and sends nothing", async () => {
    const data = randomBytes(100 * KB);
    const f = await file(data);
    emu.obs.clearLog();
    const first = await stageFile(client(), { bucket: "stage", key: "a/small.zip", file: f, ...small });
    assert.equal(first.uploaded, true);
    assert.equal(first.etag, createHash("md5").update(data).digest("hex"));
    assert.deepEqual(await emu.obs.read("stage", "a/small.zip"), data);
    emu.obs.clearLog();
    const second = await stageFile(client(), { bucket: "stage", key: "a/small.zip", file: f, ...small });
    assert.equal(second.uploaded, false);
    assert.deepEqual(emu.obs.requests().map((e) => e.operation), ["headObject"]);
  });

  it("uploads a big file in parallel parts streamed from the file, leaving no upload behind", async () => {
    const data = randomBytes(1000 * KB + 17);
    const f = await file(data);
    const lines: string[] = [];
    emu.obs.clearLog();
    const r = await stageFile(client(), { bucket: "stage", key: "big.zip", file: f, ...small, concurrency: 3, onProgress: (m) => lines.push(m) });
    assert.equal(r.uploaded, true);
    assert.deepEqual(r.parts, { uploaded: 8, reused: 0 });
    assert.match(r.etag, /-8$/);
    assert.deepEqual(await emu.obs.read("stage", "big.zip"), data);
    assert.deepEqual(emu.obs.uploads("stage"), []);
    assert.equal(emu.obs.requests({ operation: "uploadPart" }).length, 8);
    assert.ok(lines.some((l) => /in 8 parts/.test(l)) && lines.some((l) => /%\)/.test(l)), lines.join("\n"));
    assert.ok(emu.obs.requests().every((e) => e.authKind === "obs"));
  });

  it("resumes an interrupted upload, keeping the parts whose bytes match, and aborts other stale uploads", async () => {
    const data = randomBytes(600 * KB);
    const f = await file(data);
    const c = client();
    const interrupted = await c.initiateUpload("stage", "resume.zip");
    await c.uploadPart("stage", "resume.zip", interrupted, 1, data.subarray(0, 128 * KB));
    await c.uploadPart("stage", "resume.zip", interrupted, 2, data.subarray(128 * KB, 256 * KB));
    await c.uploadPart("stage", "resume.zip", interrupted, 3, randomBytes(128 * KB)); // not the file's bytes
    const stale = await c.initiateUpload("stage", "resume.zip"); // newer, but none of its parts match
    await c.uploadPart("stage", "resume.zip", stale, 1, randomBytes(128 * KB));
    emu.obs.clearLog();
    const r = await stageFile(c, { bucket: "stage", key: "resume.zip", file: f, ...small });
    assert.deepEqual(await emu.obs.read("stage", "resume.zip"), data);
    assert.deepEqual(emu.obs.uploads("stage"), []);
    assert.deepEqual(r.parts, { uploaded: 3, reused: 2 });
    assert.equal(r.aborted, 1);
    assert.deepEqual(emu.obs.requests({ operation: "uploadPart" }).map((e) => new URLSearchParams(e.query).get("partNumber")).sort(), ["3", "4", "5"]);
  });

  it("a failing part aborts the upload (nothing orphaned); the next run uploads everything", async () => {
    const data = randomBytes(700 * KB);
    const f = await file(data);
    emu.obs.setFaults("commitDrop=part:1");
    await assert.rejects(stageFile(client({ maxRetries: 0 }), { bucket: "stage", key: "fail.zip", file: f, ...small, concurrency: 1 }), /connection lost|network /);
    emu.obs.setFaults(null);
    assert.deepEqual(emu.obs.uploads("stage"), []);
    assert.equal(emu.obs.objects("stage", "fail.zip").length, 0);
    const r = await stageFile(client(), { bucket: "stage", key: "fail.zip", file: f, ...small });
    assert.equal(r.uploaded, true);
    assert.deepEqual(await emu.obs.read("stage", "fail.zip"), data);
  });

  it("a completion whose answer is lost is recognised by HEAD (no second upload, nothing left behind)", async () => {
    const data = randomBytes(300 * KB);
    const f = await file(data);
    emu.obs.setFaults("commitDrop=complete:1");
    const r = await stageFile(client(), { bucket: "stage", key: "lost.zip", file: f, ...small });
    emu.obs.setFaults(null);
    assert.equal(r.uploaded, true);
    assert.deepEqual(await emu.obs.read("stage", "lost.zip"), data);
    assert.deepEqual(emu.obs.uploads("stage"), []);
  });

  it("retries 503s with the shared policy, and signs with temporary keys", async () => {
    emu.obs.setFaults("503=0.5,seed=7"); // this seed answers 503 to the first two attempts
    const c = client({ ak: "TMPKEY", sk: "tmp-secret", token: "sts-token", maxRetries: 5 });
    await c.putObject("stage", "retried.zip", Buffer.from("retried"));
    emu.obs.setFaults(null);
    assert.equal((await emu.obs.read("stage", "retried.zip")).toString(), "retried");
    assert.equal(c.stats().retries, 2);
    const bad = client({ sk: "wrong" });
    await assert.rejects(bad.putObject("stage", "x", Buffer.from("x")), (err: Error) => {
      assert.match(err.message, /SignatureDoesNotMatch/);
      assert.match(err.message, /check the secret key/);
      assert.doesNotMatch(err.message, /wrong/);
      return true;
    });
    await assert.rejects(client({ ak: "TMPKEY", sk: "tmp-secret", token: "other" }).putObject("stage", "x", Buffer.from("x")), /InvalidSecurityToken/);
    assert.equal(await client().bucketRegion("stage"), emu.region);
    assert.equal(await client().bucketRegion("no-such-bucket"), undefined);
  });

  it("virtual-host addressing for a named endpoint (Host: <bucket>.obs.<region>…)", async () => {
    const original = dns.lookup;
    dns.lookup = (host: string, opts: any, cb: any) => {
      if (typeof opts === "function") [cb, opts] = [opts, {}];
      if (host.endsWith(".localhost")) return opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
      return (original as any)(host, opts, cb);
    };
    try {
      const endpoint = `http://obs.${emu.region}.localhost:${new URL(emu.obs.url).port}`;
      const c = client({ endpoint });
      await c.putObject("stage", "vh/key.zip", Buffer.from("vh"));
      assert.equal((await c.headObject("stage", "vh/key.zip"))?.size, 2);
      assert.equal(objectUrl(endpoint, emu.region, "stage", "vh/key.zip"), `http://stage.obs.${emu.region}.localhost:${new URL(emu.obs.url).port}/vh/key.zip`);
    } finally {
      dns.lookup = original;
    }
    assert.equal((await emu.obs.read("stage", "vh/key.zip")).toString(), "vh");
    assert.equal(objectUrl(emu.obs.url, "cn-north-4", "bkt", "p/k.zip"), "https://bkt.obs.cn-north-4.myhuaweicloud.com/p/k.zip");
    assert.deepEqual(parseObjectUrl("https://bkt.obs.cn-north-4.myhuaweicloud.com/p/k.zip"), { bucket: "bkt", key: "p/k.zip", region: "cn-north-4" });
    assert.equal(parseObjectUrl("https://example.com/x"), undefined);
  });
});
