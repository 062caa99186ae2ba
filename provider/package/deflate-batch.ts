/**
 * Reads, checksums and deflates one batch of files — the unit of work of the packaging pipeline, run on a
 * worker thread (deflate-worker.ts) or, for small sources, on the calling thread. For each path: the content
 * SHA512 and, when zipping, the CRC-32 (`zlib.crc32`) and raw-deflate body. The deflated body is kept only if
 * it is strictly smaller than the input, otherwise the entry is stored — a deterministic rule. Bodies come
 * back in one buffer per batch, so small files cost one message per batch, not one each. Files are read
 * into one reused scratch buffer per thread: per-file buffers were garbage the GC collected late (external
 * memory), which showed up as peak RSS.
 */
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { createHash } from "node:crypto";
import { HASH_ONLY, type DeflateRequest, type DeflateResponse, type DeflatedFile } from "./deflate-protocol";
import { openTicket } from "./safe-open";

/** Per-thread state reused across batches (created per pool, so it dies with the packaging call). */
export interface BatchContext {
  /** Read buffer, grown to the largest file seen. */
  scratch: Buffer;
}

/** A fresh `BatchContext`. */
export function newBatchContext(): BatchContext {
  return { scratch: Buffer.allocUnsafeSlow(1024 * 1024) };
}

/** Reads the whole file (a read ticket, see safe-open.ts) into `ctx.scratch`; the view is valid until the next read. */
function readIntoScratch(ctx: BatchContext, p: string): Buffer {
  const fd = openTicket(p);
  try {
    const size = fs.fstatSync(fd).size;
    if (ctx.scratch.length < size) ctx.scratch = Buffer.allocUnsafeSlow(Math.max(size, ctx.scratch.length * 2));
    let n = 0;
    while (n < size) {
      const r = fs.readSync(fd, ctx.scratch, n, size - n, null);
      if (r === 0) break;
      n += r;
    }
    return ctx.scratch.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Processes `req`; `transfer` lists the buffer to transfer when posting the response to another thread. */
export function processBatch(req: DeflateRequest, ctx: BatchContext): { response: DeflateResponse; transfer: ArrayBuffer[] } {
  const bodies: Uint8Array[] = [];
  const files: DeflatedFile[] = [];
  let total = 0;
  for (const p of req.paths) {
    let input: Buffer;
    try {
      input = readIntoScratch(ctx, p);
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
    let body: Uint8Array | undefined;
    let method: 0 | 8 = 0;
    if (req.level > 0 && input.length > 0) {
      // Output buffer sized to the input (not the default 16 KiB per call): less garbage per small file. The
      // deflate stream does not depend on how its output is chunked.
      const deflated = zlib.deflateRawSync(input, { level: req.level, chunkSize: Math.min(Math.max(input.length + 64, 1024), 1024 * 1024) });
      if (deflated.length < input.length) {
        body = deflated;
        method = 8;
      }
    }
    body ??= Uint8Array.prototype.slice.call(input); // stored: copy out of the scratch buffer
    files.push({ size: input.length, crc32, sha512, method, offset: total, length: body.length });
    bodies.push(body);
    total += body.length;
  }
  // A batch of one stored file (big files come alone) already owns its copy: sent as is, not copied again.
  const alone = bodies.length === 1 && bodies[0].byteOffset === 0 && bodies[0].byteLength === bodies[0].buffer.byteLength;
  const packed = alone ? bodies[0] : new Uint8Array(total);
  let at = 0;
  for (const b of alone ? [] : bodies) {
    packed.set(b, at);
    at += b.length;
  }
  return { response: { id: req.id, files, bodies: packed }, transfer: [packed.buffer as ArrayBuffer] };
}
