/**
 * Worker-thread side of the packaging pool: for each path in a batch, reads the file, computes its SHA512
 * and, when zipping, its CRC-32 (`zlib.crc32`) and raw-deflate body. The deflated body is kept only if it is
 * strictly smaller than the input, otherwise the entry is stored — a deterministic rule. Bodies go back in
 * one transferred buffer per batch, so small files cost one message per batch, not one each.
 */
import * as fs from "node:fs";
import { parentPort } from "node:worker_threads";
import * as zlib from "node:zlib";
import { createHash } from "node:crypto";
import { HASH_ONLY, type DeflateRequest, type DeflateResponse, type DeflatedFile } from "./deflate-protocol";

function processBatch(req: DeflateRequest): { response: DeflateResponse; transfer: ArrayBuffer[] } {
  const bodies: Uint8Array[] = [];
  const files: DeflatedFile[] = [];
  let total = 0;
  for (const p of req.paths) {
    let input: Buffer;
    try {
      input = fs.readFileSync(p);
    } catch (err) {
      files.push({ error: (err as NodeJS.ErrnoException).code ?? String(err), size: 0, crc32: 0, sha512: "", method: 0, offset: total, length: 0 });
      continue;
    }
    const sha512 = createHash("sha512").update(input).digest("hex");
    if (req.level === HASH_ONLY) {
      files.push({ size: input.length, crc32: 0, sha512, method: 0, offset: 0, length: 0 });
      continue;
    }
    const crc32 = zlib.crc32(input);
    let body: Uint8Array = input;
    let method: 0 | 8 = 0;
    if (req.level > 0 && input.length > 0) {
      const deflated = zlib.deflateRawSync(input, { level: req.level });
      if (deflated.length < input.length) {
        body = deflated;
        method = 8;
      }
    }
    files.push({ size: input.length, crc32, sha512, method, offset: total, length: body.length });
    bodies.push(body);
    total += body.length;
  }
  const packed = new Uint8Array(total);
  let at = 0;
  for (const b of bodies) {
    packed.set(b, at);
    at += b.length;
  }
  return { response: { id: req.id, files, bodies: packed }, transfer: [packed.buffer as ArrayBuffer] };
}

if (parentPort) {
  const port = parentPort;
  port.on("message", (req: DeflateRequest) => {
    try {
      const { response, transfer } = processBatch(req);
      port.postMessage(response, transfer);
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies DeflateResponse);
    }
  });
}
