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
