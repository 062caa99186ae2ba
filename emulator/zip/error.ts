/**
 * The one error of the emulator's zip handling (reader, limits, verification, extraction). Its `code` says what
 * kind of problem it is, which is all callers branch on: check.ts maps `ZIP_INVALID` to 400 FSS.1011 and
 * `ZIP_LIMIT` to the route's "too large" error; the runtime shows the message of any of them as the failed call's
 * error. The message is the detail clients see inside those answers.
 */

/** What is wrong: not a valid zip, over an archive limit, or an entry that cannot be unpacked safely. */
export type ZipErrorCode = "ZIP_INVALID" | "ZIP_LIMIT" | "ZIP_UNSAFE";

/** A zip the emulator refuses; `message` names the entry or the limit. */
export class ZipError extends Error {
  constructor(readonly code: ZipErrorCode, message: string) {
    super(message);
    this.name = "ZipError";
  }
}

/** Throws a `ZIP_INVALID` error. */
export function invalidZip(message: string): never {
  throw new ZipError("ZIP_INVALID", message);
}
