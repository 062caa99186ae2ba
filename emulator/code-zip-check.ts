/**
 * The archive checks the routes share, with each route's documented error: a zip that is not readable is
 * 400 FSS.1011; a zip over a bound (archive-limits.ts: entry count, per-entry and total uncompressed size, ratio)
 * is refused before inflating with the route's "too large" error — 413 FSS.1071 for code (`PUT …/code`, the
 * admin surface), 400 FSS.1023 for an import package and the code inside it.
 */
import { ArchiveLimitError, DEFAULT_ARCHIVE_LIMITS } from "./archive-limits";
import { ApiError, Errors } from "./http/errors";
import { readZip, ZipReadError, type ReadZipBounds, type ZipEntryInfo } from "./zip-reader";
import { ZipVerifyError } from "./zip-verify";
import { verifyCodeZip, type ZipWalk } from "./zip-verify-pool";

/** Builds the route's "too large" error from the limit's description. */
export type TooLargeError = (detail: string) => ApiError;

/** 413 FSS.1071: a code zip over a bound. */
export const codeTooLarge: TooLargeError = (detail) => new ApiError(413, "FSS.1071", `The code package is too large: ${detail}`);

/** 400 FSS.1023: an import package (or the code in it) over a bound. */
export const importTooLarge: TooLargeError = (detail) => new ApiError(400, "FSS.1023", `The imported file is too large: ${detail}`);

/**
 * Reads `zip` (see `readZip`), mapping failures to API errors: unreadable → 400 FSS.1011 naming `what`, over a
 * bound → `tooLarge`.
 */
export async function readZipChecked(
  zip: Buffer, what: string, wanted: (name: string) => boolean, tooLarge: TooLargeError, bounds: ReadZipBounds = {},
): Promise<ZipEntryInfo[]> {
  try {
    return await readZip(zip, wanted, bounds);
  } catch (err) {
    if (err instanceof ZipReadError) throw Errors.invalidCode(`${what} is not a valid zip (${err.message})`);
    if (err instanceof ArchiveLimitError) throw tooLarge(`${what}: ${err.detail}`);
    throw err;
  }
}

/**
 * Verifies a code zip however it came (upload, import, OBS, a dependency, the admin surface) and returns its
 * SHA512 (hex): every entry's structure, sizes and CRC-32, on the verification workers (zip-verify-pool.ts),
 * so the event loop keeps answering meanwhile. 400 FSS.1011 naming `what` when it is not a valid zip,
 * `tooLarge` over an archive limit. `known`: the SHA512 and walk of a zip checked as it arrived (code-body-scan.ts).
 */
export async function verifyCode(
  zip: Buffer, what: string, tooLarge: TooLargeError = codeTooLarge, known: { sha512?: string; walk?: ZipWalk } = {},
): Promise<string> {
  try {
    return (await verifyCodeZip(zip, DEFAULT_ARCHIVE_LIMITS, known.sha512, known.walk)).sha512;
  } catch (err) {
    if (err instanceof ZipVerifyError) throw Errors.invalidCode(`${what} is not a valid zip (${err.message})`);
    if (err instanceof ArchiveLimitError) throw tooLarge(`${what}: ${err.detail}`);
    throw err;
  }
}
