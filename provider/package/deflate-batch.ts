/**
 * Reads, checksums and deflates one batch of files — the unit of work of the packaging pipeline, run on a
 * worker thread (deflate-worker.ts) or, for small sources, on the calling thread. For each path: the content
 * SHA512 and, when zipping, the CRC-32 (`zlib.crc32`) and raw-deflate body. The deflated body is kept only if
 * it is strictly smaller than the input, otherwise the entry is stored; a file of `PROBE.minBytes` or more
 * whose first `PROBE.bytes` do not deflate below `PROBE.maxRatio` (random data, media, archives) is stored
 * without deflating the rest. Both rules look only at the content, so the zip stays reproducible. Bodies are
 * written to the packaging spool (spool.ts) in one write per batch, from the thread that made them, or (without
 * a spool) come back in one buffer per batch; either way small files cost one message per batch, not one each.
 *
 * Memory: small files are read into one reused scratch buffer per thread — per-file buffers are garbage the
 * worker's GC collects late (external memory), which showed up as peak RSS. A file of `OWN_BUFFER_BYTES` or
 * more is read into its own buffer instead, which becomes its body when stored (transferred, never copied),
 * so the scratch never grows to the largest file.
 */
import * as buffer from "node:buffer";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import * as crypto from "node:crypto";
import { HASH_ONLY, type DeflateRequest, type DeflateResponse, type DeflatedFile, type SpoolTarget } from "./deflate-protocol";
import { openTicket, type BodyCandidate } from "./safe-open";

/** SHA512 (hex) of one buffer: `crypto.hash` (Node 21.7+) skips the Hash object, which counts for 20,000 small files. */
const sha512Hex: (data: Buffer) => string = crypto.hash
  ? (data) => crypto.hash("sha512", data, "hex")
  : (data) => crypto.createHash("sha512").update(data).digest("hex");

/** Files at least this big are read into their own buffer (see the module doc). */
const OWN_BUFFER_BYTES = 1024 * 1024;

/** The incompressibility probe (see the module doc). */
export const PROBE = Object.freeze({ minBytes: 256 * 1024, bytes: 64 * 1024, maxRatio: 0.97 });

/** Initial sizes of the context's buffers (see `newBatchContext`). */
const PACKED_BYTES = 1024 * 1024;
const CANDIDATE_BYTES = 64 * 1024;

/** Per-thread state reused across batches (created per pool, so it dies with the packaging call). */
export interface BatchContext {
  /** Read buffer, grown to the largest file seen. */
  scratch: Buffer;
  /** Where a batch's bodies are packed before they are written to the spool (grown for a batch, then released). */
  packed: Buffer;
  /** Where a cached body is read to be checked (grown for a batch, then released: `releaseGrown`). */
  candidate: Buffer;
  /**
   * With a spool, where a big file is read (its body is written before the next read): grown and reused while
   * big files come one after another, dropped at the first batch of small ones (`releaseGrown`).
   */
  big?: Buffer;
}

/** A fresh `BatchContext`. */
export function newBatchContext(): BatchContext {
  return { scratch: Buffer.allocUnsafeSlow(1024 * 1024), packed: Buffer.allocUnsafeSlow(PACKED_BYTES), candidate: Buffer.allocUnsafeSlow(CANDIDATE_BYTES) };
}

/**
 * Drops the buffers a batch grew beyond their initial size (a batch of bodies over 1 MiB, a big cached body),
 * so that a thread does not keep the largest it has seen for the rest of the run; the big-file buffer is kept
 * while big files follow each other (`bigBatch`): a tree of big files would otherwise leave one dead buffer per
 * file for a late GC (+50 MB on 5 MB files), a mixed tree keeps none for the rest of the run.
 */
function releaseGrown(ctx: BatchContext, bigBatch: boolean): void {
  if (ctx.packed.length > PACKED_BYTES) ctx.packed = Buffer.allocUnsafeSlow(PACKED_BYTES);
  if (ctx.candidate.length > CANDIDATE_BYTES) ctx.candidate = Buffer.allocUnsafeSlow(CANDIDATE_BYTES);
  if (!bigBatch) ctx.big = undefined;
}

/** Claims `length` bytes at the end of the spool and writes `bytes` there; returns the offset. */
function writeToSpool(spool: SpoolTarget, bytes: Uint8Array): number {
  const at = Number(Atomics.add(new BigInt64Array(spool.end), 0, BigInt(bytes.length)));
  let n = 0;
  while (n < bytes.length) n += fs.writeSync(spool.fd, bytes, n, bytes.length - n, at + n);
  return at;
}

/**
 * Reads the whole file (a read ticket, see safe-open.ts): into `ctx.scratch` (the view is valid until the next
 * read; `owned` false) or, from `OWN_BUFFER_BYTES` on, into a buffer of its own (`owned` true).
 */
function readFile(ctx: BatchContext, p: string, reuseBig: boolean): { input: Buffer; owned: boolean; knownSha512?: string; candidate?: BodyCandidate } {
  const { fd, size, knownSha512, candidate } = openTicket(p);
  try {
    const owned = size >= OWN_BUFFER_BYTES;
    if (!owned && ctx.scratch.length < size) ctx.scratch = Buffer.allocUnsafeSlow(Math.max(size, ctx.scratch.length * 2));
    // A big file's buffer is garbage once its body is spooled; reused, it is not left for a late GC.
    if (owned && reuseBig && (ctx.big?.length ?? 0) < size) ctx.big = Buffer.allocUnsafeSlow(size);
    const into = owned ? (reuseBig ? ctx.big! : Buffer.allocUnsafeSlow(size)) : ctx.scratch;
    return { input: into.subarray(0, readInto(fd, into, size)), owned, knownSha512, candidate };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The candidate body (safe-open.ts `BodyCandidate`) for `input` (CRC-32 `crc32`) when it inflates to exactly
 * `input`; undefined when it was recorded for other content (the file changed: an ordinary miss); "disagrees"
 * when it claims this content (size and CRC-32) but cannot be read or does not inflate to it.
 */
function checkedCandidate(ctx: BatchContext, c: BodyCandidate, input: Buffer, crc32: number): Buffer | undefined | "disagrees" {
  if (c.size !== input.length || c.crc32 !== crc32) return undefined;
  try {
    // Read into the context's buffer: the view is valid until the next candidate (copied out below if kept).
    if (ctx.candidate.length < c.length) ctx.candidate = Buffer.allocUnsafeSlow(Math.max(c.length, ctx.candidate.length * 2));
    const body = ctx.candidate.subarray(0, c.length);
    let n = 0;
    while (n < c.length) {
      const r = fs.readSync(c.fd, body, n, c.length - n, c.offset + n);
      if (r === 0) return "disagrees"; // the cached zip is shorter than its index says
      n += r;
    }
    const content = zlib.inflateRawSync(body, { maxOutputLength: Math.max(1, input.length), chunkSize: Math.min(Math.max(input.length, 1024), 1024 * 1024) });
    return content.equals(input) ? body : "disagrees";
  } catch {
    return "disagrees"; // not a deflate stream, or longer than the content
  }
}

/** Reads up to `size` bytes from the start of `fd` into `into`; returns how many came (fewer if the file shrank). */
function readInto(fd: number, into: Buffer, size: number): number {
  let n = 0;
  while (n < size) {
    const r = fs.readSync(fd, into, n, size - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}

/**
 * SHA512 and size of a file (a read ticket), up to the size its descriptor had (as when zipping): in one read
 * into the scratch buffer when it fits, else a slice at a time, so hashing never holds a whole big file.
 */
function hashFile(ctx: BatchContext, p: string): { sha512: string; size: number } {
  const { fd, size } = openTicket(p);
  try {
    if (size <= ctx.scratch.length) {
      const n = readInto(fd, ctx.scratch, size);
      return { sha512: sha512Hex(ctx.scratch.subarray(0, n)), size: n };
    }
    const hash = crypto.createHash("sha512");
    let n = 0;
    while (n < size) {
      const r = fs.readSync(fd, ctx.scratch, 0, Math.min(ctx.scratch.length, size - n), null);
      if (r === 0) break;
      hash.update(ctx.scratch.subarray(0, r));
      n += r;
    }
    return { sha512: hash.digest("hex"), size: n };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `input` is worth deflating: small, or its first `PROBE.bytes` shrink below `PROBE.maxRatio`. */
function looksCompressible(input: Buffer, level: number): boolean {
  if (input.length < PROBE.minBytes) return true;
  const probe = input.subarray(0, PROBE.bytes);
  return zlib.deflateRawSync(probe, { level, chunkSize: PROBE.bytes + 64 }).length < probe.length * PROBE.maxRatio;
}

/**
 * The raw-deflate body of `input` when strictly smaller than it, else undefined. `maxOutputLength` stops zlib
 * as soon as the output reaches the input's size, instead of finishing a body that would be thrown away.
 */
function deflatedBody(input: Buffer, level: number): Buffer | undefined {
  try {
    // One output chunk sized to the input (the body is kept only if smaller, so it always fits): no 16 KiB
    // chunks for small files, and for a big one no 1 MiB chunks concatenated at the end — its pages beyond the
    // compressed length are never touched (packaging node_modules, 11 alternating runs: peak ~2.5 MB lower on
    // average than with 1 MiB chunks, within the noise). The deflate stream does not depend on its output chunks.
    return zlib.deflateRawSync(input, {
      level, chunkSize: Math.min(Math.max(input.length + 64, 1024), buffer.constants.MAX_LENGTH), maxOutputLength: input.length - 1,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return undefined;
    throw err;
  }
}

/** Processes `req`; `transfer` lists the buffer to transfer when posting the response to another thread. */
export function processBatch(req: DeflateRequest, ctx: BatchContext): { response: DeflateResponse; transfer: ArrayBuffer[] } {
  const bodies: Uint8Array[] = [];
  const files: DeflatedFile[] = [];
  let total = 0;
  // With a spool and several files, bodies are packed into the context's buffer as they are made (no copy of
  // their own); a file alone (big files come alone) is written as it is after the loop. `view`: the body lies in
  // a buffer the next file reuses.
  const packing = req.spool !== undefined && req.paths.length > 1;
  const bigBatch = req.spool !== undefined && req.paths.length === 1; // a big file alone (see `releaseGrown`)
  const keep = (body: Uint8Array, view: boolean): void => {
    if (packing) {
      if (ctx.packed.length < total + body.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(total + body.length, ctx.packed.length * 2));
        ctx.packed.copy(grown, 0, 0, total);
        ctx.packed = grown;
      }
      ctx.packed.set(body, total);
    } else {
      bodies.push(view ? Uint8Array.prototype.slice.call(body) : body); // out of a reused buffer: a copy of its own
    }
    total += body.length;
  };
  for (const p of req.paths) {
    if (req.level === HASH_ONLY) {
      try {
        const { sha512, size } = hashFile(ctx, p);
        files.push({ size, crc32: 0, sha512, method: 0, offset: 0, length: 0 });
      } catch (err) {
        files.push({ error: (err as NodeJS.ErrnoException).code ?? String(err), size: 0, crc32: 0, sha512: "", method: 0, offset: 0, length: 0 });
      }
      continue;
    }
    let input: Buffer;
    let owned: boolean;
    let knownSha512: string | undefined;
    let candidate: BodyCandidate | undefined;
    try {
      ({ input, owned, knownSha512, candidate } = readFile(ctx, p, bigBatch));
    } catch (err) {
      files.push({ error: (err as NodeJS.ErrnoException).code ?? String(err), size: 0, crc32: 0, sha512: "", method: 0, offset: total, length: 0 });
      continue;
    }
    // Nothing the caches say is trusted here: the digest is of the bytes just read (a recorded one only tells
    // whether the digest cache was right), and a cached body is used only once it inflates to those bytes.
    const sha512 = sha512Hex(input);
    const digestDisagreed = knownSha512 !== undefined && knownSha512 !== sha512;
    const crc32 = zlib.crc32(input);
    const cached = candidate && checkedCandidate(ctx, candidate, input, crc32);
    let body: Uint8Array | undefined = cached instanceof Buffer ? cached : undefined; // a view (ctx.candidate)
    let view = body !== undefined;
    let method: 0 | 8 = body ? 8 : 0;
    if (!body && req.level > 0 && input.length > 1 && looksCompressible(input, req.level)) {
      body = deflatedBody(input, req.level);
      if (body) method = 8;
    }
    if (!body) {
      body = input; // stored
      view = !owned; // the scratch buffer
    }
    files.push({
      size: input.length, crc32, sha512, method, offset: total, length: body.length,
      reused: cached instanceof Buffer, bodyDisagreed: cached === "disagrees", digestDisagreed,
    });
    keep(body, view);
  }
  if (req.spool) {
    // Written to the spool from here, in one write: nothing crosses threads but the file records.
    const spooledAt = total === 0 ? 0 : writeToSpool(req.spool, packing ? ctx.packed.subarray(0, total) : bodies[0]);
    releaseGrown(ctx, bigBatch);
    return { response: { id: req.id, files, spooledAt }, transfer: [] };
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
