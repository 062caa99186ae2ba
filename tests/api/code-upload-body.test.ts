/**
 * The streamed-into-one-Buffer `PUT …/code` body is byte-for-byte the JSON `updateFunctionCode` would send,
 * at every Base64 chunk boundary, and the client sends it (verified by the loopback server's parse).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { codeUploadBody } from "../../provider/api/client";

test("codeUploadBody equals JSON.stringify of the same request, for sizes around the chunk boundaries", () => {
  const chunk = 3 * 256 * 1024;
  for (const size of [0, 1, 2, 3, 4, chunk - 1, chunk, chunk + 1, 2 * chunk + 2]) {
    const zip = randomBytes(size);
    for (const dependVersionList of [undefined, ["dep-1", "dep\"2"]]) {
      const expected = JSON.stringify({
        code_type: "zip", code_filename: "code.zip", func_code: { file: zip.toString("base64") },
        ...(dependVersionList ? { depend_version_list: dependVersionList } : {}),
      });
      const actual = codeUploadBody(zip, { codeFilename: "code.zip", dependVersionList });
      assert.equal(actual.toString("utf8"), expected, `size ${size}`);
    }
  }
});

test("the per-attempt timeout grows with the request body (a big upload is not cut off like a small call)", async (t) => {
  const { FunctionGraphClient } = await import("../../provider/api/client");
  const { attemptTimeoutMs, MIN_UPLOAD_BYTES_PER_SECOND } = await import("../../provider/api/transport");
  assert.equal(attemptTimeoutMs(1000, 0), 1000);
  assert.equal(attemptTimeoutMs(1000, MIN_UPLOAD_BYTES_PER_SECOND), 2000);

  const http = await import("node:http");
  // Answers every request after 400 ms: longer than the 150 ms base, shorter than base + time for 128 KiB.
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => setTimeout(() => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ func_urn: "urn:fss:r:p:function:default:f", code_size: 1, digest: "d" }));
    }, 400));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const client = new FunctionGraphClient({
    endpoint: `http://127.0.0.1:${port}`, projectId: "0123456789abcdef0123456789abcdef",
    credentials: { kind: "aksk", accessKey: "AK", secretKey: "SK" }, timeoutMs: 150, maxRetries: 0,
  });
  await assert.rejects(client.getFunctionCode("f"), /timeout/);
  const res = await client.uploadFunctionCode("f", randomBytes(96 * 1024), { codeFilename: "code.zip" });
  assert.equal(res.code_size, 1);
});

test("codeUploadStream yields the same bytes, length and SHA-256, for a zip given whole or in uneven parts", async () => {
  const { createHash } = await import("node:crypto");
  const { codeUploadStream, SLICE: slice } = await import("../../provider/api/code-upload-stream");
  for (const size of [0, 1, 2, 3, slice - 1, slice, slice + 1, 2 * slice + 5]) {
    const zip = randomBytes(size);
    const expected = codeUploadBody(zip, { codeFilename: "code.zip", dependVersionList: ["d"] });
    const cuts = [[size], [1, size - 1], [slice - 2, 3, size - slice - 1], [7, 7, 7, size - 21]]
      .filter((c) => c.every((n) => n >= 0) && c.reduce((a, b) => a + b, 0) === size);
    for (const cut of cuts) {
      let at = 0;
      const parts = cut.map((n) => zip.subarray(at, (at += n)));
      for (const input of [zip, parts]) {
        const s = codeUploadStream(input, { codeFilename: "code.zip", dependVersionList: ["d"] });
        const bytes = Buffer.concat([...s.chunks()].map((c) => Buffer.from(c)));
        assert.ok(bytes.equals(expected), `size ${size}, parts ${cut.join("+")}`);
        assert.equal(s.length, expected.length);
        assert.equal(s.sha256Hex, createHash("sha256").update(expected).digest("hex"));
        assert.ok(Buffer.concat([...s.chunks()].map((c) => Buffer.from(c))).equals(expected), "every pass gives the same bytes (one per attempt)");
      }
    }
  }
});
