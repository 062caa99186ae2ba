/**
 * The JSON bodies that carry a zip as Base64 (`PUT …/code`, and `POST /import` through import-package.ts)
 * streamed instead of built: a 50 MB zip is ~67 MB of Base64 text, and holding it next to the zip made an upload
 * cost 2.4x the zip in memory. The body is produced slice by slice from the zip
 * on every attempt (the signing hash takes one pass first), so an upload holds ~1 MB besides the zip's source
 * (nothing more when the zip is read from its spool file).
 */
import { createHash } from "node:crypto";
import type { ZipPieces } from "../package/spooled-zip";

/** A request body produced on demand: its exact length, its SHA-256 (for signing), and its text in order (ASCII). */
export interface StreamedBody {
  readonly length: number;
  readonly sha256Hex: string;
  /** A fresh pass over the body (each attempt takes one). */
  chunks(): Iterable<Buffer | string>;
}

/**
 * Zip bytes encoded per slice: a multiple of 3, so Base64 slices join without padding. The slice's text (96 KiB)
 * stays below V8's largest regular object (128 KiB): a string from 128 KiB up is allocated in the large-object
 * space, one mapping per string, and encoding cost 6-7x the CPU there (measured on Node 22, a 36 MB zip: ~250 ms
 * per pass with 256 KiB of text, ~40 ms with 96 KiB; the send pass took 0.7 s of a first `up`'s 2.4 s upload).
 * Slices of 1 MB of text and more become external strings, which the GC frees late (upload-memory bench, 45 MB
 * zip: 225 MB peak with 1.3 MB of text).
 */
export const SLICE = 3 * 24 * 1024;

/**
 * Fixed-size windows over `parts` taken as one byte sequence (the last may be shorter). Windows spanning parts
 * are assembled in one scratch buffer, reused: each window must be consumed before the next is asked for.
 */
function* windows(parts: Iterable<Uint8Array>, size: number): Generator<Uint8Array> {
  const scratch = new Uint8Array(size);
  let filled = 0;
  for (const part of parts) {
    let at = 0;
    if (filled > 0) {
      const n = Math.min(size - filled, part.length);
      scratch.set(part.subarray(0, n), filled);
      filled += n;
      at = n;
      if (filled < size) continue;
      yield scratch;
      filled = 0;
    }
    for (; part.length - at >= size; at += size) yield part.subarray(at, at + size);
    if (at < part.length) {
      scratch.set(part.subarray(at), 0);
      filled = part.length - at;
    }
  }
  if (filled > 0) yield scratch.subarray(0, filled);
}

/**
 * A JSON body whose one large string field is the Base64 of `source`: `head` (the JSON up to the field's opening
 * quote), the Base64 produced slice by slice, then `tail` (the closing quote and the rest), both JSON text sent as
 * UTF-8. The SHA-256 takes one pass first; every `chunks()` pass reads `source` again.
 */
export function base64JsonBody(head: string, source: ZipPieces, tail: string): StreamedBody {
  const headBytes = Buffer.from(head, "utf8");
  const tailBytes = Buffer.from(tail, "utf8");
  const base64 = function* (): Generator<string> {
    for (const w of windows(source.pieces(), SLICE)) yield Buffer.from(w.buffer, w.byteOffset, w.length).toString("base64");
  };
  const chunks = function* (): Generator<Buffer | string> {
    yield headBytes;
    // Slices go out as strings (the socket copies them into its write request, freed when written): a Buffer
    // per slice was external memory the GC collected late, ~25 MB of it piling up during a 45 MB upload.
    yield* base64();
    yield tailBytes;
  };
  const hash = createHash("sha256").update(headBytes);
  for (const text of base64()) hash.update(text, "latin1");
  hash.update(tailBytes);
  return { length: headBytes.length + 4 * Math.ceil(source.size / 3) + tailBytes.length, sha256Hex: hash.digest("hex"), chunks };
}

/**
 * The body `{"code_type":"zip","code_filename":…,"func_code":{"file":"<Base64>"}[,"depend_version_list":…]}`
 * — byte for byte what `codeUploadBody` builds — for a zip given whole, as consecutive parts, or read on demand
 * (`{ size, pieces() }`, e.g. a package read from its spool file: each pass reads it again, nothing is held).
 */
export function codeUploadStream(
  zip: Uint8Array | readonly Uint8Array[] | ZipPieces,
  opts: { codeFilename: string; dependVersionList?: string[] },
): StreamedBody {
  const source = zip instanceof Uint8Array ? { size: zip.length, pieces: () => [zip] }
    : Array.isArray(zip) ? { size: (zip as readonly Uint8Array[]).reduce((n, p) => n + p.length, 0), pieces: () => zip as readonly Uint8Array[] }
    : zip as ZipPieces;
  return base64JsonBody(`{"code_type":"zip","code_filename":${JSON.stringify(opts.codeFilename)},"func_code":{"file":"`, source,
    `"}${opts.dependVersionList ? `,"depend_version_list":${JSON.stringify(opts.dependVersionList)}` : ""}}`);
}
