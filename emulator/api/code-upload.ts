/**
 * Ingesting a `PUT …/code` body at loopback speed: the Base64 is never turned into a JavaScript string as a
 * whole (large-json-body.ts), it is checked and decoded in slices straight into shared memory — usually while
 * the body was still arriving, with its SHA512 (code-body-scan.ts) — and the zip is verified (every entry's
 * CRC-32) on worker threads (zip/verify-pool.ts) while the event loop keeps answering other requests. Same answers as before for every body: 400 FSS.0400 for a malformed body or
 * bad Base64, 413 FSS.1071 over the limit, 400 FSS.1011 for a zip that is not valid.
 */
import type { z } from "zod";
import { UpdateFunctionCodeRequestSchema } from "../../provider/api/schemas";
import { Errors } from "../http/errors";
import { parseLargeJsonBody, type ByteRange, type LargeJsonBody } from "./large-json-body";
import { validateBody } from "./validation";
import { allocShared, decodeBase64Into } from "../zip/verify-pool";
import { codeTooLarge, verifyCode } from "../zip/check";
import type { CodeBodyScan, ScannedCode } from "./code-body-scan";

/** A validated code upload: the request's small fields, the zip and its SHA512. */
export interface IngestedCode {
  request: z.infer<typeof UpdateFunctionCodeRequestSchema>;
  code: Buffer;
  sha512: string;
}

/** Base64 characters decoded per slice (a multiple of 4): bounds the temporary string. */
const SLICE_CHARS = 4 * 1024 * 1024;
const BASE64_ALPHABET_EXTRAS = [0x2d, 0x5f]; // '-' and '_': base64url, which Node decodes but the API does not take

function badBase64(): Error {
  return Errors.badRequest("Invalid request body: func_code.file: Invalid base64-encoded string");
}

/** Decoded size of canonical padded Base64 of `length` characters ending in `padding` `=`. */
function decodedSize(length: number, padding: number): number {
  return (length / 4) * 3 - padding;
}

/**
 * Decodes the Base64 in `body[range]` into a new shared-memory Buffer, refusing anything but canonical padded
 * standard Base64 (400 naming `func_code.file` otherwise): every invalid character makes Node's decoder produce
 * fewer bytes than the length implies, which is how it is detected without a per-character loop in JavaScript.
 * Over `limit` decoded bytes: 413 FSS.1071.
 */
export function decodeBase64Range(body: Buffer, range: ByteRange, limit: number): Buffer {
  const length = range.end - range.start;
  if (length % 4 !== 0) throw badBase64();
  let padding = 0;
  while (padding < length && body[range.end - 1 - padding] === 0x3d) padding++;
  if (padding > 2) throw badBase64();
  const text = body.subarray(range.start, range.end);
  if (BASE64_ALPHABET_EXTRAS.some((c) => text.indexOf(c) >= 0)) throw badBase64();
  const size = decodedSize(length, padding);
  if (size > limit) throw Errors.codeTooLarge(size, limit);
  const out = allocShared(size);
  let at = 0;
  for (let i = 0; i < length; i += SLICE_CHARS) {
    const slice = text.subarray(i, Math.min(length, i + SLICE_CHARS));
    const want = i + SLICE_CHARS >= length ? decodedSize(slice.length, padding) : (slice.length / 4) * 3;
    if (!decodeBase64Into(slice, out.subarray(at, at + want))) throw badBase64();
    at += want;
  }
  return out;
}

/**
 * Parses a code upload body: its fields, the range of `func_code.file`, and the scan's decode of it when the
 * scan covered exactly that range. The scan is awaited first: the range it decoded holds only Base64, so the
 * parse does not search those ~100 MB for quotes and backslashes again.
 */
export async function parseCodeBody(body: Buffer, scan?: CodeBodyScan): Promise<LargeJsonBody & { scanned?: ScannedCode }> {
  const decoded = await scan?.result();
  const parsed = parseLargeJsonBody(body, ["func_code", "file"], undefined, decoded?.range);
  const { range } = parsed;
  return { ...parsed, scanned: decoded && range && decoded.range.start === range.start && decoded.range.end === range.end ? decoded : undefined };
}

/**
 * Parses, validates, decodes and verifies a `PUT …/code` body for a function whose code limit is `limit`
 * bytes, taking the decoded zip from `scan` when it covered the Base64 exactly. Throws the API error the
 * service answers for each problem.
 */
export async function ingestCodeUpload(body: Buffer, limit: number, scan?: CodeBodyScan): Promise<IngestedCode> {
  const { value, range, scanned } = await parseCodeBody(body, scan);
  const request = validateBody(UpdateFunctionCodeRequestSchema, value);
  let code: Buffer;
  if (scanned) {
    code = scanned.code;
  } else if (range) {
    code = decodeBase64Range(body, range, limit);
  } else {
    code = allocShared(Buffer.byteLength(request.func_code.file, "base64"));
    code.write(request.func_code.file, 0, "base64");
    if (code.length > limit) throw Errors.codeTooLarge(code.length, limit);
  }
  // The declared sizes are checked against the archive limits first (a bomb is refused before anything is inflated).
  const sha512 = await verifyCode(code, "func_code.file", codeTooLarge, { sha512: scanned?.sha512, walk: scanned?.walk });
  return { request, code, sha512 };
}
