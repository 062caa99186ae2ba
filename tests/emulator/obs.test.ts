import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { codeZip, fg, importPackage, sdkClient, sdkError, sdkImport } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ObsClient = require("esdk-obs-nodejs");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dns: { lookup: (...args: any[]) => void } = require("node:dns");

type ObsResult = { CommonMsg: { Status: number; Code?: string; Message?: string }; InterfaceResult?: Record<string, any> };

/** An official OBS SDK client for the emulator (path style + AWS V2 against the IP, as the SDK chooses). */
async function obsClient(emu: EmulatorHandle, keys: { ak?: string; sk?: string; token?: string; server?: string } = {}): Promise<any> {
  const client = new ObsClient({
    access_key_id: keys.ak ?? emu.credentials.accessKey,
    secret_access_key: keys.sk ?? emu.credentials.secretKey,
    security_token: keys.token,
    server: keys.server ?? emu.obs.url,
    max_retry_count: 0,
    timeout: 30,
  });
  await new Promise((resolve) => setImmediate(resolve)); // the SDK finishes initialising on a later tick
  return client;
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

/** The SDK sends a Buffer `Body` as UTF-8 text: binary bodies go as `SourceFile`. */
async function fileOf(data: Buffer): Promise<string> {
  const file = path.join(os.tmpdir(), `fgs-obs-test-${randomBytes(6).toString("hex")}`);
  await fs.writeFile(file, data);
  return file;
}

describe("emulator OBS: the official esdk-obs-nodejs SDK as client", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ credentials: { temporary: [{ accessKey: "TEMPAK", secretKey: "temp-sk", securityToken: "tok-123" }] } });
  });
  after(() => emu.close());

  it("creates and heads a bucket (location = the emulator's region unless given)", async () => {
    const obs = await obsClient(emu);
    const created: ObsResult = await obs.createBucket({ Bucket: "code-bucket" });
    assert.equal(created.CommonMsg.Status, 200);
    const again: ObsResult = await obs.createBucket({ Bucket: "code-bucket" });
    assert.equal(again.CommonMsg.Status, 409);
    assert.equal(again.CommonMsg.Code, "BucketAlreadyOwnedByYou");
    const head: ObsResult = await obs.getBucketMetadata({ Bucket: "code-bucket" });
    assert.equal(head.CommonMsg.Status, 200);
    assert.equal(head.InterfaceResult!.LocationV2 ?? head.InterfaceResult!.Location, emu.region);
    const other: ObsResult = await obs.createBucket({ Bucket: "far-bucket", Location: "ap-southeast-1" });
    assert.equal(other.CommonMsg.Status, 200);
    assert.equal(emu.obs.buckets().find((b) => b.name === "far-bucket")?.location, "ap-southeast-1");
    const bad: ObsResult = await obs.createBucket({ Bucket: "Bad_Name" });
    assert.equal(bad.CommonMsg.Code, "InvalidBucketName");
    const missing: ObsResult = await obs.getBucketMetadata({ Bucket: "no-such-bucket" });
    assert.equal(missing.CommonMsg.Status, 404);
  });

  it("PUT, HEAD, GET (whole and range) and DELETE an object; the ETag is the MD5", async () => {
    const obs = await obsClient(emu);
    const body = randomBytes(300 * 1024);
    const put: ObsResult = await obs.putObject({ Bucket: "code-bucket", Key: "dir/a b+c.zip", SourceFile: await fileOf(body), ContentType: "application/zip" });
    assert.equal(put.CommonMsg.Status, 200);
    assert.equal(put.InterfaceResult!.ETag, `"${md5(body)}"`);
    const meta: ObsResult = await obs.getObjectMetadata({ Bucket: "code-bucket", Key: "dir/a b+c.zip" });
    assert.equal(meta.CommonMsg.Status, 200);
    assert.equal(Number(meta.InterfaceResult!.ContentLength), body.length);
    assert.equal(meta.InterfaceResult!.ContentType, "application/zip");
    const got: ObsResult = await obs.getObject({ Bucket: "code-bucket", Key: "dir/a b+c.zip", SaveAsStream: true });
    assert.equal(got.CommonMsg.Status, 200);
    const chunks: Buffer[] = [];
    for await (const c of got.InterfaceResult!.Content) chunks.push(Buffer.from(c));
    assert.deepEqual(Buffer.concat(chunks), body);
    await obs.putObject({ Bucket: "code-bucket", Key: "text.txt", Body: "0123456789abcdefghij" });
    const part: ObsResult = await obs.getObject({ Bucket: "code-bucket", Key: "text.txt", Range: "bytes=10-14" });
    assert.equal(String(part.InterfaceResult!.Content), "abcde");
    assert.deepEqual(await emu.obs.read("code-bucket", "dir/a b+c.zip"), body);
    const del: ObsResult = await obs.deleteObject({ Bucket: "code-bucket", Key: "dir/a b+c.zip" });
    assert.equal(del.CommonMsg.Status, 204);
    const gone: ObsResult = await obs.getObjectMetadata({ Bucket: "code-bucket", Key: "dir/a b+c.zip" });
    assert.equal(gone.CommonMsg.Status, 404);
  });

  it("multipart: initiate, upload parts, list parts and uploads, complete (S3 multipart ETag), abort", async () => {
    const obs = await obsClient(emu);
    const p1 = randomBytes(200 * 1024);
    const p2 = randomBytes(50 * 1024);
    const init: ObsResult = await obs.initiateMultipartUpload({ Bucket: "code-bucket", Key: "big.zip" });
    const uploadId = init.InterfaceResult!.UploadId as string;
    assert.ok(uploadId);
    const e1 = (await obs.uploadPart({ Bucket: "code-bucket", Key: "big.zip", UploadId: uploadId, PartNumber: 1, SourceFile: await fileOf(p1) })).InterfaceResult.ETag;
    const e2 = (await obs.uploadPart({ Bucket: "code-bucket", Key: "big.zip", UploadId: uploadId, PartNumber: 2, SourceFile: await fileOf(p2) })).InterfaceResult.ETag;
    assert.equal(e1, `"${md5(p1)}"`);
    const parts: ObsResult = await obs.listParts({ Bucket: "code-bucket", Key: "big.zip", UploadId: uploadId });
    assert.deepEqual(parts.InterfaceResult!.Parts.map((p: any) => [Number(p.PartNumber), Number(p.Size)]), [[1, p1.length], [2, p2.length]]);
    const uploads: ObsResult = await obs.listMultipartUploads({ Bucket: "code-bucket" });
    assert.deepEqual(uploads.InterfaceResult!.Uploads.map((u: any) => u.UploadId), [uploadId]);

    // Wrong order and a wrong ETag are refused; the upload stays.
    const badOrder: ObsResult = await obs.completeMultipartUpload({ Bucket: "code-bucket", Key: "big.zip", UploadId: uploadId,
      Parts: [{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }] });
    assert.equal(badOrder.CommonMsg.Code, "InvalidPartOrder");
    const badTag: ObsResult = await obs.completeMultipartUpload({ Bucket: "code-bucket", Key: "big.zip", UploadId: uploadId,
      Parts: [{ PartNumber: 1, ETag: '"00"' }, { PartNumber: 2, ETag: e2 }] });
    assert.equal(badTag.CommonMsg.Code, "InvalidPart");

    const done: ObsResult = await obs.completeMultipartUpload({ Bucket: "code-bucket", Key: "big.zip", UploadId: uploadId,
      Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] });
    assert.equal(done.CommonMsg.Status, 200);
    const expected = createHash("md5").update(Buffer.concat([Buffer.from(md5(p1), "hex"), Buffer.from(md5(p2), "hex")])).digest("hex");
    assert.equal(done.InterfaceResult!.ETag, `"${expected}-2"`);
    assert.deepEqual(await emu.obs.read("code-bucket", "big.zip"), Buffer.concat([p1, p2]));
    assert.deepEqual(emu.obs.uploads("code-bucket"), []);

    // A small first part is refused at completion (only the last may be under 100 KB).
    const init2 = (await obs.initiateMultipartUpload({ Bucket: "code-bucket", Key: "small.zip" })).InterfaceResult.UploadId;
    const s1 = (await obs.uploadPart({ Bucket: "code-bucket", Key: "small.zip", UploadId: init2, PartNumber: 1, SourceFile: await fileOf(p2) })).InterfaceResult.ETag;
    const s2 = (await obs.uploadPart({ Bucket: "code-bucket", Key: "small.zip", UploadId: init2, PartNumber: 2, SourceFile: await fileOf(p2) })).InterfaceResult.ETag;
    const small: ObsResult = await obs.completeMultipartUpload({ Bucket: "code-bucket", Key: "small.zip", UploadId: init2,
      Parts: [{ PartNumber: 1, ETag: s1 }, { PartNumber: 2, ETag: s2 }] });
    assert.equal(small.CommonMsg.Code, "EntityTooSmall");
    const aborted: ObsResult = await obs.abortMultipartUpload({ Bucket: "code-bucket", Key: "small.zip", UploadId: init2 });
    assert.equal(aborted.CommonMsg.Status, 204);
    const noUpload: ObsResult = await obs.listParts({ Bucket: "code-bucket", Key: "small.zip", UploadId: init2 });
    assert.equal(noUpload.CommonMsg.Code, "NoSuchUpload");
  });

  it("verifies signatures: a wrong secret, an unknown key and a missing or wrong temporary token are refused", async () => {
    const wrongSk: ObsResult = await (await obsClient(emu, { sk: "not-the-secret" })).getBucketMetadata({ Bucket: "code-bucket" });
    assert.equal(wrongSk.CommonMsg.Status, 403);
    const wrongPut: ObsResult = await (await obsClient(emu, { sk: "not-the-secret" })).putObject({ Bucket: "code-bucket", Key: "x", Body: "x" });
    assert.equal(wrongPut.CommonMsg.Code, "SignatureDoesNotMatch");
    const unknown: ObsResult = await (await obsClient(emu, { ak: "NOSUCHKEY" })).putObject({ Bucket: "code-bucket", Key: "x", Body: "x" });
    assert.equal(unknown.CommonMsg.Code, "InvalidAccessKeyId");
    const temp: ObsResult = await (await obsClient(emu, { ak: "TEMPAK", sk: "temp-sk", token: "tok-123" })).putObject({ Bucket: "code-bucket", Key: "t", Body: "temp" });
    assert.equal(temp.CommonMsg.Status, 200);
    const noToken: ObsResult = await (await obsClient(emu, { ak: "TEMPAK", sk: "temp-sk" })).putObject({ Bucket: "code-bucket", Key: "t", Body: "x" });
    assert.equal(noToken.CommonMsg.Code, "InvalidSecurityToken");
    const badToken: ObsResult = await (await obsClient(emu, { ak: "TEMPAK", sk: "temp-sk", token: "tok-999" })).putObject({ Bucket: "code-bucket", Key: "t", Body: "x" });
    assert.equal(badToken.CommonMsg.Code, "InvalidSecurityToken");
    assert.ok(emu.obs.requests().filter((e) => e.status === 200 && e.operation === "putObject").every((e) => e.authKind === "v2"));
  });

  it("virtual-host style with the native OBS signature (the SDK negotiates it with HEAD /?apiversion)", async () => {
    const port = new URL(emu.obs.url).port;
    const original = dns.lookup;
    // `<bucket>.obs.cn-north-4.localhost` → loopback, so the SDK talks virtual-host style to the emulator.
    dns.lookup = (host: string, opts: any, cb: any) => {
      if (typeof opts === "function") [cb, opts] = [opts, {}];
      if (host.endsWith(".localhost")) return opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
      return (original as any)(host, opts, cb);
    };
    try {
      const obs = await obsClient(emu, { server: `http://obs.${emu.region}.localhost:${port}` });
      const put: ObsResult = await obs.putObject({ Bucket: "code-bucket", Key: "vh/object.zip", Body: "native" });
      assert.equal(put.CommonMsg.Status, 200, JSON.stringify(put.CommonMsg));
      const head: ObsResult = await obs.getObjectMetadata({ Bucket: "code-bucket", Key: "vh/object.zip" });
      assert.equal(head.CommonMsg.Status, 200);
      const bad: ObsResult = await (await obsClient(emu, { server: `http://obs.${emu.region}.localhost:${port}`, sk: "wrong" })).putObject({ Bucket: "code-bucket", Key: "vh/x", Body: "x" });
      assert.equal(bad.CommonMsg.Status, 403);
    } finally {
      dns.lookup = original;
    }
    const signed = emu.obs.requests().filter((e) => e.key === "vh/object.zip");
    assert.ok(signed.length >= 2);
    assert.ok(signed.every((e) => e.authKind === "obs"), JSON.stringify(signed));
    assert.ok(emu.obs.requests().some((e) => e.operation === "headApiVersion"));
    assert.equal((await emu.obs.read("code-bucket", "vh/object.zip")).toString(), "native");
  });

  it("faults: 503 answers, and commit-then-drop stores the object but never answers", async () => {
    const obs = await obsClient(emu);
    emu.obs.setFaults("503=1");
    const busy: ObsResult = await obs.putObject({ Bucket: "code-bucket", Key: "f1", Body: "x" });
    assert.equal(busy.CommonMsg.Status, 503);
    emu.obs.setFaults("commitDrop=put:1");
    await assert.rejects(obs.putObject({ Bucket: "code-bucket", Key: "f2", Body: "landed" }));
    assert.equal((await emu.obs.read("code-bucket", "f2")).toString(), "landed");
    const next: ObsResult = await obs.putObject({ Bucket: "code-bucket", Key: "f3", Body: "ok" });
    assert.equal(next.CommonMsg.Status, 200);
    assert.throws(() => emu.obs.setFaults("commitDrop=nothing:1"), /unknown operation 'nothing'/);
    emu.obs.setFaults(null);
  });

  it("FunctionGraph code_type obs reads the package from the bucket; a missing object is FSS.1054", async () => {
    const client = sdkClient(emu);
    await sdkImport(client, "obs-fn", await importPackage("obs-fn", { code: await codeZip() }));
    const urn = `urn:fss:${emu.region}:${emu.projectId}:function:default:obs-fn`;
    const pkg = await codeZip("exports.handler = async () => 'from obs';\n");
    await (await obsClient(emu)).putObject({ Bucket: "code-bucket", Key: "pkgs/fn.zip", SourceFile: await fileOf(pkg) });
    const codeUrl = `https://code-bucket.obs.${emu.region}.myhuaweicloud.com/pkgs/fn.zip`;
    const updated = await client.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionCodeRequestBody().withCodeType("obs").withCodeUrl(codeUrl).withCodeFilename("fn.zip")));
    assert.equal(updated.digest, createHash("sha512").update(pkg).digest("hex"));
    assert.equal(updated.code_type, "obs");
    assert.equal(updated.code_url, codeUrl);
    assert.deepEqual(emu.code(urn), pkg);

    // The emulator's own path-style URL works too.
    const pathStyle = await client.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionCodeRequestBody().withCodeType("obs").withCodeUrl(`${emu.obs.url}/code-bucket/pkgs/fn.zip`).withCodeFilename("fn.zip")));
    assert.equal(pathStyle.digest, updated.digest);

    const missing = await sdkError(client.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionCodeRequestBody().withCodeType("obs").withCodeUrl(`https://code-bucket.obs.${emu.region}.myhuaweicloud.com/nope.zip`).withCodeFilename("fn.zip"))));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, "FSS.1054");

    await (await obsClient(emu)).putObject({ Bucket: "far-bucket", Key: "fn.zip", SourceFile: await fileOf(pkg) });
    const far = await sdkError(client.updateFunctionCode(new fg.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
      new fg.UpdateFunctionCodeRequestBody().withCodeType("obs").withCodeUrl("https://far-bucket.obs.ap-southeast-1.myhuaweicloud.com/fn.zip").withCodeFilename("fn.zip"))));
    assert.equal(far.status, 400);
    assert.match(far.msg, /not in the function's region/);
  });
});

describe("emulator OBS: persistence with --data-dir", () => {
  it("objects, buckets and uploads in progress survive a restart", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "fgs-obs-persist-"));
    try {
      const body = randomBytes(150 * 1024);
      let emu = await startEmulator({ dataDir: dir });
      let obs = await obsClient(emu);
      await obs.createBucket({ Bucket: "kept" });
      await obs.putObject({ Bucket: "kept", Key: "a.zip", SourceFile: await fileOf(body) });
      const uploadId = (await obs.initiateMultipartUpload({ Bucket: "kept", Key: "b.zip" })).InterfaceResult.UploadId;
      await obs.uploadPart({ Bucket: "kept", Key: "b.zip", UploadId: uploadId, PartNumber: 1, SourceFile: await fileOf(body) });
      await emu.close();

      emu = await startEmulator({ dataDir: dir });
      obs = await obsClient(emu);
      try {
        const head: ObsResult = await obs.getObjectMetadata({ Bucket: "kept", Key: "a.zip" });
        assert.equal(head.InterfaceResult!.ETag, `"${md5(body)}"`);
        assert.deepEqual(await emu.obs.read("kept", "a.zip"), body);
        const parts: ObsResult = await obs.listParts({ Bucket: "kept", Key: "b.zip", UploadId: uploadId });
        assert.equal(parts.InterfaceResult!.Parts.length, 1);
      } finally {
        await emu.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
