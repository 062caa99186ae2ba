/**
 * The emulator's fast `PUT …/code` ingest (emulator/api/code-upload.ts, api/large-json-body.ts, zip/verify*.ts): the
 * large-string JSON parse gives exactly what `JSON.parse` gives, the Base64 is refused unless canonical, the
 * limit is enforced before decoding, and the zip is verified entry by entry (CRC-32 included) on workers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ApiError } from "../../emulator/http/errors";
import { ingestCodeUpload } from "../../emulator/api/code-upload";
import { parseLargeJsonBody } from "../../emulator/api/large-json-body";
import { verifyZip } from "../../emulator/zip/verify";
import { packageSource } from "../../provider/package";
import { codeUploadBody } from "../../provider/api/client";
import { writeStoredZip } from "../../provider/api/stored-zip";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { signedRequest } from "./helpers";
import { FunctionGraphClient } from "../../provider/api/client";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";

const MIN = 64 * 1024;

/** Asserts that `p` rejects with an ApiError of this status and code (and message, when given). */
async function refused(p: Promise<unknown>, status: number, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.deepEqual([err.status, err.code], [status, code], err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

let dir: string;
let zip: Buffer;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-code-upload-"));
  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 'ok';\n".repeat(2000));
  fs.mkdirSync(path.join(dir, "lib"));
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(dir, "lib", `m${i}.js`), `module.exports = ${i};\n`.repeat(50 + i * 30));
  fs.writeFileSync(path.join(dir, "lib", "blob.bin"), randomBytes(120 * 1024)); // stored (incompressible)
  zip = (await packageSource(dir)).zip;
  assert.ok(zip.length * 4 / 3 > MIN, "the fixture zip must be large enough for the large-string path");
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("parseLargeJsonBody", () => {
  const big = "A".repeat(MIN + 5);
  it("gives what JSON.parse gives, with the large string at the path replaced by its byte range", () => {
    const text = JSON.stringify({ code_type: "zip", other: big, list: [1, "x\"y\\", { deep: big }], func_code: { file: big + "==" } });
    const body = Buffer.from(text);
    const r = parseLargeJsonBody(body, ["func_code", "file"]);
    assert.ok(r.range, "the large string at the path must be cut out");
    assert.equal(body.toString("latin1", r.range.start, r.range.end), big + "==");
    const expected = JSON.parse(text);
    expected.func_code.file = "";
    assert.deepEqual(r.value, expected, "every other value, large strings included, must be JSON.parse's");
  });
  it("takes a range known to be plain without searching it, and only where a string opens and closes around it", () => {
    const text = JSON.stringify({ code_type: "zip", other: big, func_code: { file: big + "==" } });
    const body = Buffer.from(text);
    const told = parseLargeJsonBody(body, ["func_code", "file"]);
    assert.deepEqual(parseLargeJsonBody(body, ["func_code", "file"], undefined, told.range), told, "the same answer with the hint");
    // A hint that is not exactly a string's content is not used: the answer is the one without a hint.
    const { start, end } = told.range!;
    for (const wrong of [{ start: start + 1, end }, { start, end: end - 1 }, { start: start - 1, end: end + 1 }]) {
      assert.deepEqual(parseLargeJsonBody(body, ["func_code", "file"], undefined, wrong), told, JSON.stringify(wrong));
    }
    // Another string's range as the hint: still that other string, and the path's string found as usual.
    const other = body.indexOf(big);
    assert.deepEqual(parseLargeJsonBody(body, ["func_code", "file"], undefined, { start: other, end: other + big.length }), told);
  });
  it("leaves a large string with escapes (e.g. `\\/`) to JSON.parse", () => {
    const text = `{"func_code":{"file":"${"ab\\/".repeat(MIN / 4 + 1)}"}}`;
    const r = parseLargeJsonBody(Buffer.from(text), ["func_code", "file"]);
    assert.equal(r.range, undefined);
    assert.deepEqual(r.value, JSON.parse(text));
  });
  it("refuses bodies that are not a JSON object, wherever the damage is", () => {
    for (const text of [`{"func_code":{"file":"${big}"}`, `{"a":1,}`, `[{"f":"${big}"}]`, `{"f":"${big}`, ""]) {
      assert.throws(() => parseLargeJsonBody(Buffer.from(text), ["f"]), (e: unknown) => e instanceof ApiError && e.code === "FSS.0400", text.slice(0, 40));
    }
  });
});

describe("ingestCodeUpload", () => {
  const body = (file: string) => Buffer.from(JSON.stringify({ code_type: "zip", code_filename: "code.zip", func_code: { file } }));
  it("decodes and digests a large upload exactly (the same as a small one through the ordinary path)", async () => {
    const viaClient = await ingestCodeUpload(codeUploadBody(zip, { codeFilename: "code.zip" }), 10 * 1024 * 1024);
    assert.ok(viaClient.code.equals(zip), "decoded bytes must be the zip");
    assert.equal(viaClient.sha512, createHash("sha512").update(zip).digest("hex"));
    assert.equal(viaClient.request.code_filename, "code.zip");
    const small = writeStoredZip([{ name: "index.js", data: Buffer.from("exports.handler = 1;\n") }]);
    const viaSmall = await ingestCodeUpload(body(small.toString("base64")), 1024 * 1024);
    assert.equal(viaSmall.sha512, createHash("sha512").update(small).digest("hex"));
  });
  it("refuses Base64 that is not canonical standard Base64 (FSS.0400 naming func_code.file)", async () => {
    const b64 = zip.toString("base64");
    const mid = Math.floor(b64.length / 8) * 4;
    const cases = {
      "invalid character": b64.slice(0, mid) + "*" + b64.slice(mid + 1),
      "whitespace": b64.slice(0, mid) + " " + b64.slice(mid + 1),
      "base64url '-'": b64.slice(0, mid) + "-" + b64.slice(mid + 1),
      "base64url '_'": b64.slice(0, mid) + "_" + b64.slice(mid + 1),
      "padding in the middle": b64.slice(0, mid) + "=" + b64.slice(mid + 1),
      "length not a multiple of 4": b64 + "A",
      "three padding characters": b64.slice(0, b64.length - 4 - (b64.length % 4)) + "A===",
    };
    for (const [what, file] of Object.entries(cases)) {
      await refused(ingestCodeUpload(body(file), 10 * 1024 * 1024), 400, "FSS.0400", /func_code\.file/).catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
    }
  });
  it("refuses a zip over the limit before decoding it (413 FSS.1071)", async () => {
    await refused(ingestCodeUpload(codeUploadBody(zip, { codeFilename: "code.zip" }), zip.length - 1), 413, "FSS.1071");
  });
  it("refuses a zip whose entry data is damaged, deflated or stored (400 FSS.1011)", async () => {
    const entries = await new Promise<number>((resolve, reject) => verifyZip(zip).then(resolve, reject));
    assert.equal(entries, 42);
    // Flip a byte inside the stored random blob (only a CRC check can see it) and inside the first entry.
    const blobAt = zip.indexOf(Buffer.from("lib/blob.bin")) + "lib/blob.bin".length + 4096;
    for (const at of [blobAt, 30 + "index.js".length + 20]) {
      const bad = Buffer.from(zip);
      bad[at] ^= 0xff;
      await refused(ingestCodeUpload(codeUploadBody(bad, { codeFilename: "code.zip" }), 10 * 1024 * 1024), 400, "FSS.1011", /not a valid zip/);
    }
    await refused(ingestCodeUpload(codeUploadBody(zip.subarray(0, zip.length - 10), { codeFilename: "c" }), 1e8), 400, "FSS.1011");
    await refused(ingestCodeUpload(codeUploadBody(randomBytes(100_000), { codeFilename: "c" }), 1e8), 400, "FSS.1011");
  });
});

describe("PUT …/code through the emulator", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true });
  });
  after(async () => {
    await closeDispatchers();
    await emu.close();
  });
  it("the client's streamed, signed body is accepted, and sent again whole after a dropped answer", async () => {
    const urn = (await emu.seedFunction({ func_name: "streamed" })).func_urn;
    const client = new FunctionGraphClient({ endpoint: emu.url, projectId: emu.projectId, retryBaseDelayMs: 1,
      credentials: { kind: "aksk", accessKey: emu.credentials.accessKey, secretKey: emu.credentials.secretKey } });
    emu.clearLog();
    emu.setFaults("commitDrop=code:1");
    try {
      // In two parts, as packageSource's chunked zip gives it: the body must not depend on where the parts split.
      const parts = [zip.subarray(0, 1001), zip.subarray(1001)];
      const res = await client.uploadFunctionCode(urn, parts, { codeFilename: "code.zip" });
      assert.equal(res.digest, createHash("sha512").update(zip).digest("hex"));
    } finally {
      emu.setFaults(null);
    }
    const uploads = emu.requests({ operation: "updateCode" });
    assert.deepEqual(uploads.map((u) => [u.authKind, u.committedStatus ?? u.status]), [["aksk", 200], ["aksk", 200]],
      "both attempts must pass signature verification (the body re-streamed byte for byte)");
  });
  it("stores a large upload with its digest, and refuses a damaged one without changing the function", async () => {
    const urn = (await emu.seedFunction({ func_name: "big" })).func_urn;
    const ok = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: zip.toString("base64") } } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json().digest, createHash("sha512").update(zip).digest("hex"));
    assert.ok(emu.code(urn)?.equals(zip));
    const bad = Buffer.from(zip);
    bad[bad.length - 22] ^= 0xff; // the end of central directory signature
    const r = await signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: bad.toString("base64") } } });
    assert.deepEqual([r.status, r.json().error_code], [400, "FSS.1011"]);
    assert.ok(emu.code(urn)?.equals(zip), "a refused upload must leave the code as it was");
  });
  it("takes uploads in a row (the body buffer reused, entries compared with the last upload) without trusting an unchanged name", async () => {
    const urn = (await emu.seedFunction({ func_name: "in-a-row" })).func_urn;
    const put = (code: Buffer) => signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: code.toString("base64") } } });
    const small = writeStoredZip([{ name: "index.js", data: Buffer.from("exports.handler = async () => 1;\n") }]);
    // The stored random blob altered in place: same name, sizes and declared CRC-32 as in the last upload.
    const forged = Buffer.from(zip);
    const name = forged.indexOf("lib/blob.bin");
    forged[name + 12 + forged.readUInt16LE(name - 2) + 1000] ^= 0x01;
    for (const [code, status] of [[zip, 200], [small, 200], [zip, 200], [forged, 400], [zip, 200]] as const) {
      const r = await put(code);
      assert.equal(r.status, status, JSON.stringify(r.json()));
      if (status === 200) assert.equal(r.json().digest, createHash("sha512").update(code).digest("hex"));
      else assert.match(String(r.json().error_msg), /lib\/blob\.bin: CRC-32 mismatch/);
      assert.ok(emu.code(urn)?.equals(status === 200 ? code : zip));
    }
  });
});
