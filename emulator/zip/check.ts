/**
 * The archive checks the routes share, with each route's documented error: a zip that is not readable is
 * 400 FSS.1011; a zip over a bound (limits.ts: entry count, per-entry and total uncompressed size, ratio)
 * is refused before inflating with the route's "too large" error — 413 FSS.1071 for code (`PUT …/code`, the
 * admin surface), 400 FSS.1023 for an import package and the code inside it.
 */
import { ApiError, Errors } from "../http/errors";
import { ZipError } from "./error";
import { DEFAULT_ARCHIVE_LIMITS } from "./limits";
import { readZip, type ReadZipBounds, type ZipEntryInfo } from "./reader";
import { verifyCodeZip, type ZipWalk } from "./verify-pool";

/** Builds the route's "too large" error from the limit's description. */
export type TooLargeError = (detail: string) => ApiError;

/** 413 FSS.1071: a code zip over a bound. */
export const codeTooLarge: TooLargeError = (detail) => new ApiError(413, "FSS.1071", `The code package is too large: ${detail}`);

/** 400 FSS.1023: an import package (or the code in it) over a bound. */
export const importTooLarge: TooLargeError = (detail) => new ApiError(400, "FSS.1023", `The imported file is too large: ${detail}`);

/** The API error of a `ZipError` about `what`: 400 FSS.1011 for a zip that is not valid, else `tooLarge`. */
function apiError(err: unknown, what: string, tooLarge: TooLargeError): unknown {
  if (!(err instanceof ZipError)) return err;
  return err.code === "ZIP_LIMIT" ? tooLarge(`${what}: ${err.message}`) : Errors.invalidCode(`${what} is not a valid zip (${err.message})`);
}

/**
 * Verifies `zip` whole (`verifyCode`; not again when `verified`: the same buffer was read this way before), then
 * reads it (see `readZip`), mapping failures to API errors: unreadable → 400 FSS.1011 naming `what`, over a
 * bound → `tooLarge`.
 */
export async function readZipChecked(
  zip: Buffer, what: string, wanted: (name: string) => boolean, tooLarge: TooLargeError, bounds: ReadZipBounds & { verified?: boolean } = {},
): Promise<ZipEntryInfo[]> {
  if (!bounds.verified) await verifyCode(zip, what, tooLarge);
  try {
    return await readZip(zip, wanted, bounds);
  } catch (err) {
    throw apiError(err, what, tooLarge);
  }
}

/**
 * Verifies a code zip however it came (upload, import, OBS, a dependency, the admin surface) and returns its
 * SHA512 (hex): every entry's structure, sizes and CRC-32, on the verification workers (verify-pool.ts),
 * so the event loop keeps answering meanwhile. 400 FSS.1011 naming `what` when it is not a valid zip,
 * `tooLarge` over an archive limit. `known`: the SHA512 and walk of a zip checked as it arrived (code-body-scan.ts).
 */
export async function verifyCode(
  zip: Buffer, what: string, tooLarge: TooLargeError = codeTooLarge, known: { sha512?: string; walk?: ZipWalk } = {},
): Promise<string> {
  try {
    return (await verifyCodeZip(zip, DEFAULT_ARCHIVE_LIMITS, known.sha512, known.walk)).sha512;
  } catch (err) {
    throw apiError(err, what, tooLarge);
  }
}
