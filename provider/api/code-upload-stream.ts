/**
 * The `PUT …/code` JSON body streamed instead of built: a 50 MB zip is ~67 MB of Base64 text, and holding it
 * next to the zip made an upload cost 2.4x the zip in memory. The body is produced slice by slice from the zip
 * on every attempt (the signing hash takes one pass first), so an upload holds ~1 MB besides the zip's source
 * (nothing more when the zip is read from its spool file).
 */
import { createHash } from "node:crypto";

/** A request body produced on demand: its exact length, its SHA-256 (for signing), and its text in order (ASCII). */
export interface StreamedBody {
  readonly length: number;
  readonly sha256Hex: string;
  /** A fresh pass over the body (each attempt takes one). */
  chunks(): Iterable<Buffer | string>;
}

/**
 * Zip bytes encoded per slice: a multiple of 3, so Base64 slices join without padding. The slice's text (256 KiB)
 * is above V8's largest regular object (128 KiB), so each string lives in the young large-object space, whose
 * pages are returned as soon as a scavenge frees it, and below Node's external-string threshold (~1 MB), whose
 * strings are freed only when the GC gets round to them. Measured on the upload-memory bench (45 MB zip): 64 KiB
 * of text 168 MB peak (V8's young generation filled up with slices), 256 KiB 163 MB, 1.3 MB 225 MB.
 */
export const SLICE = 3 * 64 * 1024;

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
 * The body `{"code_type":"zip","code_filename":…,"func_code":{"file":"<Base64>"}[,"depend_version_list":…]}`
 * — byte for byte what `codeUploadBody` builds — for a zip given whole, as consecutive parts, or read on demand
 * (`{ size, pieces() }`, e.g. a package read from its spool file: each pass reads it again, nothing is held).
 */
export function codeUploadStream(
  zip: Uint8Array | readonly Uint8Array[] | { readonly size: number; pieces(): Iterable<Uint8Array> },
  opts: { codeFilename: string; dependVersionList?: string[] },
): StreamedBody {
  const source = zip instanceof Uint8Array ? { size: zip.length, pieces: () => [zip] }
    : Array.isArray(zip) ? { size: (zip as readonly Uint8Array[]).reduce((n, p) => n + p.length, 0), pieces: () => zip as readonly Uint8Array[] }
    : zip as { readonly size: number; pieces(): Iterable<Uint8Array> };
  const zipLength = source.size;
  const head = Buffer.from(`{"code_type":"zip","code_filename":${JSON.stringify(opts.codeFilename)},"func_code":{"file":"`);
  const tail = Buffer.from(`"}${opts.dependVersionList ? `,"depend_version_list":${JSON.stringify(opts.dependVersionList)}` : ""}}`);
  const base64 = function* (): Generator<string> {
    for (const w of windows(source.pieces(), SLICE)) yield Buffer.from(w.buffer, w.byteOffset, w.length).toString("base64");
  };
  const chunks = function* (): Generator<Buffer | string> {
    yield head;
    // Slices go out as strings (the socket copies them into its write request, freed when written): a Buffer
    // per slice was external memory the GC collected late, ~25 MB of it piling up during a 45 MB upload.
    yield* base64();
    yield tail;
  };
  const hash = createHash("sha256").update(head);
  for (const text of base64()) hash.update(text, "latin1");
  hash.update(tail);
  return { length: head.length + 4 * Math.ceil(zipLength / 3) + tail.length, sha256Hex: hash.digest("hex"), chunks };
}
