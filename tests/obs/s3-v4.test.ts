/**
 * The emulator's OBS under AWS Signature V4: AWS's published signing examples, a real S3 client
 * (@aws-sdk/client-s3) over the HTTPS listener doing every call the Pulumi S3 backend makes, the official OBS
 * SDK in V4 mode (header and presigned URL), aws-chunked uploads with verified chunk signatures, and the payload
 * modes OBS refuses.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { authenticateV4 } from "../../emulator/obs/obs-auth-v4";
import { AwsChunkedDecoder } from "../../emulator/obs/obs-aws-chunked";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ObsClient = require("esdk-obs-nodejs");

/** AWS's example credentials and request time (S3 API reference, "Signature Calculations" examples). */
const EXAMPLE = { accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", temporary: [], authTokens: [] };
const EXAMPLE_NOW = Date.UTC(2013, 4, 24, 0, 1, 0);
const EMPTY = createHash("sha256").update("").digest("hex");

function errorCode(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

async function decodeAll(decoder: AwsChunkedDecoder, body: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  decoder.on("data", (c: Buffer) => out.push(c));
  await new Promise<void>((resolve, reject) => {
    decoder.on("end", resolve).on("error", reject);
    decoder.end(body);
  });
  return Buffer.concat(out);
}

describe("OBS V4 signature: AWS's published examples", () => {
  it("verifies the header-signed GET example and refuses it with another key, region or a changed header", () => {
    const req = {
      method: "GET", rawPath: "/test.txt", rawQuery: "",
      headers: {
        host: "examplebucket.s3.amazonaws.com", range: "bytes=0-9", "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
      },
    };
    assert.equal(authenticateV4(req, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW).accessKey, EXAMPLE.accessKey);
    assert.equal(errorCode(() => authenticateV4(req, { ...EXAMPLE, secretKey: "other" }, "us-east-1", 900_000, EXAMPLE_NOW)), "SignatureDoesNotMatch");
    assert.equal(errorCode(() => authenticateV4({ ...req, headers: { ...req.headers, range: "bytes=0-10" } }, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW)), "SignatureDoesNotMatch");
    assert.equal(errorCode(() => authenticateV4(req, EXAMPLE, "cn-north-4", 900_000, EXAMPLE_NOW)), "AuthorizationHeaderMalformed");
    assert.equal(errorCode(() => authenticateV4(req, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW + 3600_000)), "RequestTimeTooSkewed");
    assert.equal(errorCode(() => authenticateV4(req, { ...EXAMPLE, accessKey: "OTHER" }, "us-east-1", 900_000, EXAMPLE_NOW)), "InvalidAccessKeyId");
  });

  it("verifies the presigned-URL example until it expires", () => {
    const req = {
      method: "GET", rawPath: "/test.txt", headers: { host: "examplebucket.s3.amazonaws.com" },
      rawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    };
    assert.equal(authenticateV4(req, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW).form, "query");
    assert.equal(errorCode(() => authenticateV4(req, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW + 86_401_000)), "AccessDenied");
    assert.equal(errorCode(() => authenticateV4({ ...req, rawPath: "/other.txt" }, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW)), "SignatureDoesNotMatch");
  });

  it("refuses x-amz-* / x-obs-* headers left out of the signature (a presigned PUT must not become a copy of another object)", () => {
    const req = {
      method: "GET", rawPath: "/test.txt", headers: { host: "examplebucket.s3.amazonaws.com" } as Record<string, string>,
      rawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    };
    for (const h of ["x-amz-copy-source", "x-obs-copy-source", "x-amz-metadata-directive"]) {
      const e = (() => { try { authenticateV4({ ...req, headers: { ...req.headers, [h]: "/examplebucket/secret.json" } }, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW); } catch (err) { return err as { code: string; message: string }; } })();
      assert.equal(e?.code, "AccessDenied", h);
      assert.match(e!.message, new RegExp(`headers present in the request which were not signed: ${h}`));
    }
    // The payload mode of a presigned URL need not be signed; other headers (not x-amz-*) need not either.
    assert.equal(authenticateV4({ ...req, headers: { ...req.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-type": "x/y" } }, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW).form, "query");
  });

  describe("the chunked-upload example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", () => {
    const seedRequest = {
      method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "",
      headers: {
        host: "s3.amazonaws.com", "x-amz-date": "20130524T000000Z", "x-amz-storage-class": "REDUCED_REDUNDANCY", "content-encoding": "aws-chunked",
        "content-length": "66824", "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-decoded-content-length": "66560",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
      },
    };
    const body = (first = Buffer.alloc(65536, "a")) => Buffer.concat([
      Buffer.from("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"), first,
      Buffer.from("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"), Buffer.alloc(1024, "a"),
      Buffer.from("\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"),
    ]);

    it("verifies the seed signature and every chunk signature, yielding the 66560 payload bytes", async () => {
      const auth = authenticateV4(seedRequest, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW);
      assert.ok(auth.streaming);
      assert.equal(body().length, 66824);
      const out = await decodeAll(new AwsChunkedDecoder(auth.streaming), body());
      assert.deepEqual(out, Buffer.alloc(66560, "a"));
    });

    it("refuses a changed chunk (SignatureDoesNotMatch) and a body shorter than declared (IncompleteBody)", async () => {
      const auth = authenticateV4(seedRequest, EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW);
      const changed = Buffer.alloc(65536, "a");
      changed[100] = 0x62;
      await assert.rejects(decodeAll(new AwsChunkedDecoder(auth.streaming!), body(changed)), { code: "SignatureDoesNotMatch" });
      await assert.rejects(decodeAll(new AwsChunkedDecoder(auth.streaming!), body().subarray(0, 60_000)), { code: "IncompleteBody" });
      await assert.rejects(decodeAll(new AwsChunkedDecoder({ ...auth.streaming!, decodedLength: 66000 }), body()), { code: "IncompleteBody" });
    });
  });

  it("refuses the payload modes OBS does not support, naming the setting that avoids them", () => {
    const base = { method: "PUT", rawPath: "/b/k", rawQuery: "", headers: { host: "h", "x-amz-date": "20130524T000000Z", "content-length": "5" } };
    const withMode = (mode: string) => ({
      ...base, headers: { ...base.headers, "x-amz-content-sha256": mode, authorization: `AWS4-HMAC-SHA256 Credential=${EXAMPLE.accessKey}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=${"0".repeat(64)}` },
    });
    for (const mode of ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", createHash("sha256").update("hello").digest("hex")]) {
      assert.throws(() => authenticateV4(withMode(mode), EXAMPLE, "us-east-1", 900_000, EXAMPLE_NOW), (e: { code: string; status: number; message: string }) => {
        assert.equal(e.code, "InvalidArgument");
        assert.equal(e.status, 400);
        assert.match(e.message, mode.includes("TRAILER") ? /AWS_REQUEST_CHECKSUM_CALCULATION=when_required/ : /https/);
        return true;
      });
    }
  });
});

describe("OBS V4 against the emulator: a real S3 client and the official OBS SDK", () => {
  let emu: EmulatorHandle;
  let ca: string;
  const client = (over: Partial<S3ClientConfig> = {}) => new S3Client({
    endpoint: emu.obs.httpsUrl, region: emu.region, forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: emu.credentials.accessKey, secretAccessKey: emu.credentials.secretKey },
    requestHandler: { httpsAgent: new https.Agent({ ca }) },
    requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
    ...over,
  });
  /** The S3 client signs in-memory bodies; OBS wants UNSIGNED-PAYLOAD: set it before signing, as the SDK allows. */
  const unsigned = (c: S3Client) => {
    c.middlewareStack.add((next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      return next(args);
    }, { step: "build", name: "obsUnsignedPayload" });
    return c;
  };

  before(async () => {
    emu = await startEmulator({ quiet: true });
    ca = fs.readFileSync(emu.obs.caFile, "utf8");
    await emu.obs.createBucket("state");
  });
  after(() => emu.close());

  it("serves HTTPS with a certificate for 127.0.0.1 kept in the store", () => {
    assert.match(emu.obs.httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(ca, /BEGIN CERTIFICATE/);
    assert.ok(new (require("node:crypto").X509Certificate)(ca).checkIP("127.0.0.1"));
  });

  it("does every call of the Pulumi S3 backend: put (stream and in-memory), head, get, copy, list v2 (prefix, delimiter, pages), delete", async () => {
    const s3 = unsigned(client());
    emu.obs.clearLog();
    const state = JSON.stringify({ version: 3, checkpoint: { latest: { resources: [] } } });
    await s3.send(new PutObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json", Body: state, ContentType: "application/json" }));
    await s3.send(new PutObjectCommand({ Bucket: "state", Key: ".pulumi/meta.yaml", Body: Readable.from([Buffer.from("version: 1\n")]), ContentLength: 11 }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json" }));
    assert.equal(head.ContentLength, Buffer.byteLength(state));
    assert.equal(head.ETag, `"${createHash("md5").update(state).digest("hex")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json" }));
    assert.equal(await got.Body!.transformToString(), state);
    await s3.send(new CopyObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json.bak", CopySource: "state/.pulumi/stacks/p/dev.json" }));
    assert.equal((await emu.obs.read("state", ".pulumi/stacks/p/dev.json.bak")).toString(), state);
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: "state", Key: `.pulumi/history/p/dev/dev-${i}.history.json`, Body: `{"i":${i}}` }));

    const top = await s3.send(new ListObjectsV2Command({ Bucket: "state", Prefix: ".pulumi/", Delimiter: "/" }));
    assert.deepEqual(top.Contents?.map((o) => o.Key), [".pulumi/meta.yaml"]);
    assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), [".pulumi/history/", ".pulumi/stacks/"]);
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: "state", Prefix: ".pulumi/history/p/dev/", MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(keys, [0, 1, 2, 3, 4].map((i) => `.pulumi/history/p/dev/dev-${i}.history.json`));

    await s3.send(new DeleteObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json.bak" }));
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json.bak" })), { name: "NotFound" });
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: "state", Key: "missing" })), { name: "NoSuchKey" });
    const log = emu.obs.requests();
    assert.ok(log.length >= 14);
    assert.ok(log.every((e) => e.authKind === "v4"), "every request was V4-signed");
    assert.deepEqual([...new Set(log.map((e) => e.operation))].sort(),
      ["copyObject", "deleteObject", "getObject", "headObject", "listObjectsV2", "putObject"]);
  });

  it("signs and finds keys with spaces, plus signs, brackets and non-ASCII in the path and in the listing query", async () => {
    const s3 = unsigned(client());
    const key = "odd dir/ä+b (1)*!'~.json";
    await s3.send(new PutObjectCommand({ Bucket: "state", Key: key, Body: "odd" }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: "state", Key: key }))).Body!.transformToString(), "odd");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "state", Prefix: "odd dir/ä+b (" }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), [key]);
  });

  it("keeps '..', an encoded slash and 1024-byte keys as plain names; refuses a 1025-byte key (KeyTooLongError)", async () => {
    const s3 = unsigned(client());
    for (const key of ["../../escape.json", "a%2Fb/..%2F..", "\u202Eevil", `${"é".repeat(511)}ab`]) {
      await s3.send(new PutObjectCommand({ Bucket: "state", Key: key, Body: key }));
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: "state", Key: key }))).Body!.transformToString(), key);
    }
    assert.ok(emu.obs.objects("state", "../").length === 1);
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket: "state", Key: `${"é".repeat(512)}a`, Body: "x" })),
      (e: Error) => e.name === "KeyTooLongError" && /1025 bytes, at most 1024/.test(e.message));
  });

  it("refuses what OBS refuses: the S3 client's default trailer checksum, a signed body hash, a wrong region, a wrong key", async () => {
    const body = () => Readable.from([Buffer.from("hello")]);
    await assert.rejects(client({ requestChecksumCalculation: "WHEN_SUPPORTED" }).send(new PutObjectCommand({ Bucket: "state", Key: "t", Body: body(), ContentLength: 5 })),
      (e: Error & { Code?: string }) => e.name === "InvalidArgument" && /when_required/.test(e.message));
    await assert.rejects(client().send(new PutObjectCommand({ Bucket: "state", Key: "t", Body: "hello" })),
      (e: Error) => e.name === "InvalidArgument" && /x-amz-content-sha256/.test(e.message));
    await assert.rejects(unsigned(client({ region: "eu-west-1" })).send(new GetObjectCommand({ Bucket: "state", Key: ".pulumi/meta.yaml" })), { name: "AuthorizationHeaderMalformed" });
    await assert.rejects(unsigned(client({ credentials: { accessKeyId: emu.credentials.accessKey, secretAccessKey: "wrong" } }))
      .send(new GetObjectCommand({ Bucket: "state", Key: ".pulumi/meta.yaml" })), { name: "SignatureDoesNotMatch" });
    assert.equal(emu.obs.objects("state", "t").length, 0);
  });

  it("the official OBS SDK in V4 mode: put, get, and a presigned GET URL (refused once changed)", async () => {
    const obs = new ObsClient({
      access_key_id: emu.credentials.accessKey, secret_access_key: emu.credentials.secretKey, server: emu.obs.url,
      signature: "v4", region: emu.region, path_style: true, max_retry_count: 0, timeout: 30,
    });
    await new Promise((resolve) => setImmediate(resolve));
    // esdk-obs-nodejs 3.26.8 keeps its V4 signer (v4Auth, createV4SignedUrlSync) but its constructor maps every
    // `signature` to the OBS or V2 context: select the V4 one on the client's signing context.
    obs.util.signatureContext = { ...obs.util.signatureContext, signature: "v4" };
    emu.obs.clearLog();
    const put = await obs.putObject({ Bucket: "state", Key: "obs-sdk/v4.txt", Body: "signed by esdk-obs-nodejs" });
    assert.equal(put.CommonMsg.Status, 200, put.CommonMsg.Message);
    const got = await obs.getObject({ Bucket: "state", Key: "obs-sdk/v4.txt" });
    assert.equal(got.CommonMsg.Status, 200);
    assert.equal(String(got.InterfaceResult.Content), "signed by esdk-obs-nodejs");
    assert.deepEqual(emu.obs.requests().map((e) => e.authKind), ["v4", "v4"]);
    const signed = obs.createSignedUrlSync({ Method: "GET", Bucket: "state", Key: "obs-sdk/v4.txt", Expires: 60 });
    assert.match(signed.SignedUrl, /X-Amz-Signature=/);
    const ok = await fetch(signed.SignedUrl, { headers: signed.ActualSignedRequestHeaders });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "signed by esdk-obs-nodejs");
    const tampered = await fetch(signed.SignedUrl.replace("X-Amz-Expires=60", "X-Amz-Expires=61"), { headers: signed.ActualSignedRequestHeaders });
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  });

  it("an aws-chunked upload over plain HTTP: stored when every chunk signature holds, refused (nothing stored) when one does not", async () => {
    const payload = randomBytes(20_000);
    const send = (tamper: boolean) => new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(`${emu.obs.url}/state/chunked/${tamper ? "bad" : "good"}.bin`);
      const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      const day = amzDate.slice(0, 8);
      const scope = `${day}/${emu.region}/s3/aws4_request`;
      const hmac = (k: Buffer | string, t: string) => createHmac("sha256", k).update(t).digest();
      const key = hmac(hmac(hmac(hmac(`AWS4${emu.credentials.secretKey}`, day), emu.region), "s3"), "aws4_request");
      const chunks = [payload.subarray(0, 8192), payload.subarray(8192, 16384), payload.subarray(16384), Buffer.alloc(0)];
      const framedLength = chunks.reduce((n, c) => n + c.length.toString(16).length + 17 + 64 + 2 + c.length + 2, 0);
      const headers: Record<string, string> = {
        host: url.host, "x-amz-date": amzDate, "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": String(payload.length), "content-length": String(framedLength),
      };
      const signed = Object.keys(headers).sort();
      const canonical = ["PUT", url.pathname, "", signed.map((h) => `${h}:${headers[h]}\n`).join(""), signed.join(";"), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"].join("\n");
      let previous = hmac(key, ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonical).digest("hex")].join("\n")).toString("hex");
      headers.authorization = `AWS4-HMAC-SHA256 Credential=${emu.credentials.accessKey}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${previous}`;
      const framed = chunks.map((c, i) => {
        previous = hmac(key, ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, EMPTY, createHash("sha256").update(c).digest("hex")].join("\n")).toString("hex");
        const data = tamper && i === 1 ? Buffer.from(c).fill(0) : c;
        return Buffer.concat([Buffer.from(`${c.length.toString(16)};chunk-signature=${previous}\r\n`), data, Buffer.from("\r\n")]);
      });
      const req = http.request(url, { method: "PUT", headers }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d)).on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      req.end(Buffer.concat(framed));
    });
    const good = await send(false);
    assert.equal(good.status, 200, good.text);
    assert.deepEqual(await emu.obs.read("state", "chunked/good.bin"), payload);
    const bad = await send(true);
    assert.equal(bad.status, 403);
    assert.match(bad.text, /SignatureDoesNotMatch/);
    assert.equal(emu.obs.objects("state", "chunked/bad").length, 0);
  });
});

describe("OBS: concurrent writes of one key (two runners writing a checkpoint)", () => {
  it("every GET returns whole bytes of one version with that version's ETag and length; the data dir loads after", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "obs-concurrent-"));
    const bodies = Array.from({ length: 30 }, (_, i) => randomBytes(20_000 + i * 1000));
    const md5 = (b: Buffer) => `"${createHash("md5").update(b).digest("hex")}"`;
    let emu = await startEmulator({ quiet: true, dataDir, obs: { buckets: ["state"] } });
    const s3 = (e: EmulatorHandle) => {
      const c = new S3Client({
        endpoint: e.obs.httpsUrl, region: e.region, forcePathStyle: true, maxAttempts: 1,
        credentials: { accessKeyId: e.credentials.accessKey, secretAccessKey: e.credentials.secretKey },
        requestHandler: { httpsAgent: new https.Agent({ ca: fs.readFileSync(e.obs.caFile), maxSockets: 64 }) },
        requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
      });
      c.middlewareStack.add((next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
        return next(args);
      }, { step: "build", name: "obsUnsignedPayload" });
      return c;
    };
    try {
      const client = s3(emu);
      const reads: Promise<string>[] = [];
      await Promise.all(bodies.map(async (body) => {
        await client.send(new PutObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json", Body: body }));
        reads.push((async () => {
          const r = await client.send(new GetObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json" }));
          const got = Buffer.from(await r.Body!.transformToByteArray());
          return bodies.some((b) => b.equals(got)) && md5(got) === r.ETag && got.length === r.ContentLength ? "whole" : `torn (${got.length} bytes, ETag ${r.ETag})`;
        })());
      }));
      assert.deepEqual((await Promise.all(reads)).filter((x) => x !== "whole"), []);
      await emu.close();
      emu = await startEmulator({ quiet: true, dataDir });
      const after = s3(emu);
      const r = await after.send(new GetObjectCommand({ Bucket: "state", Key: ".pulumi/stacks/p/dev.json" }));
      assert.equal(md5(Buffer.from(await r.Body!.transformToByteArray())), r.ETag);
    } finally {
      await emu.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
