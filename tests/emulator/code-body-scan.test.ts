/**
 * Decoding a code upload while it arrives (emulator/api/code-body-scan.ts) and skipping entries verified before
 * (zip/verify.ts `VerifiedEntries`): the scan's result is exactly the ordinary decode, it steps aside for every
 * body it cannot be sure of, and an entry is skipped only when its bytes are the very ones verified before.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { CodeBodyScan } from "../../emulator/api/code-body-scan";
import { parseCodeBody } from "../../emulator/api/code-upload";
import { parseLargeJsonBody } from "../../emulator/api/large-json-body";
import { verifyCodeZip } from "../../emulator/zip/verify-pool";
import { ZipError } from "../../emulator/zip/error";
import { codeUploadBody } from "../../provider/api/client";
import { writeStoredZip } from "../../provider/api/stored-zip";

/**
 * Feeds `body` to a scan in chunks of `chunk` bytes, as readBody does (one shared buffer, filled in order);
 * checks the body's SHA-256 it took, and returns its result.
 */
async function scanned(body: Buffer, chunk: number, limit = 100 * 1024 * 1024) {
  const scan = new CodeBodyScan(limit);
  const into = Buffer.from(new SharedArrayBuffer(body.length));
  for (let at = 0; at < body.length; at += chunk) {
    const n = Math.min(chunk, body.length - at);
    body.copy(into, at, at, at + n);
    scan.onData(into, at + n);
  }
  assert.equal(await scan.sha256(), createHash("sha256").update(body).digest("hex"), "the body's SHA-256");
  const parsed = await parseCodeBody(into, scan);
  assert.deepEqual(parsed.range, parseLargeJsonBody(into, ["func_code", "file"]).range, "the same range as a parse told nothing");
  return parsed.scanned;
}

describe("CodeBodyScan", () => {
  const zip = randomBytes(9 * 1024 * 1024 + 7); // over two decode slices, not a multiple of 3
  const sha512 = createHash("sha512").update(zip).digest("hex");

  it("decodes the Base64 while it arrives: the same bytes and SHA512 as the ordinary path, for any chunking", async () => {
    for (const chunk of [65_536, 1_000_003, 64 * 1024 * 1024]) {
      const r = await scanned(codeUploadBody(zip, { codeFilename: "code.zip", dependVersionList: ["d"] }), chunk);
      assert.ok(r, `chunk ${chunk}: the scan gave no result`);
      assert.ok(r.code.equals(zip), `chunk ${chunk}`);
      assert.equal(r.sha512, sha512);
      assert.ok(r.code.buffer instanceof SharedArrayBuffer, "decoded into shared memory for the workers");
    }
  });

  it("steps aside for bad Base64, escapes, another layout, or a zip over the limit", async () => {
    const b64 = zip.toString("base64");
    const bodies: Record<string, Buffer> = {
      "an invalid character in the middle": Buffer.from(`{"code_type":"zip","func_code":{"file":"${b64.slice(0, 5_000_000)}*${b64.slice(5_000_001)}"}}`),
      "base64url characters": Buffer.from(`{"code_type":"zip","func_code":{"file":"${b64.slice(0, 100)}-${b64.slice(101)}"}}`),
      "an escaped slash": Buffer.from(`{"code_type":"zip","func_code":{"file":"${b64.replace("/", "\\/")}"}}`),
      "the key not near the head": Buffer.from(`{"code_filename":"${"x".repeat(70_000)}","func_code":{"file":"${b64}"}}`),
      "another \"file\" first": Buffer.from(`{"meta":{"file":"${b64}"},"func_code":{"file":"${b64}"}}`),
    };
    for (const [what, body] of Object.entries(bodies)) {
      assert.equal(await scanned(body, 65_536), undefined, what);
    }
    assert.equal(await scanned(codeUploadBody(zip, { codeFilename: "c" }), 65_536, zip.length - 1), undefined, "over the limit");
  });
});

describe("verified entries", () => {
  it("re-verifies an entry whose bytes changed, even when a good upload of the same names came first", async () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({ name: `f${i}.bin`, data: randomBytes(20_000) }));
    const good = writeStoredZip(entries);
    await verifyCodeZip(good);
    await verifyCodeZip(good); // every entry remembered now
    const bad = Buffer.from(good);
    bad[good.indexOf(Buffer.from("f7.bin")) + "f7.bin".length + 100] ^= 0xff; // inside f7's data (stored: only the CRC sees it)
    await assert.rejects(verifyCodeZip(bad), (err: unknown) => err instanceof ZipError && err.code === "ZIP_INVALID" && /f7\.bin: CRC-32 mismatch/.test(err.message));
  });
});
