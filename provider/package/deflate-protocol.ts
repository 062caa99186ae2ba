/**
 * Message shapes exchanged between the packager and its workers (types, and the HASH_ONLY level marker).
 */

/** `level` value asking a worker to read and hash only (no CRC, no deflate, no body returned). */
export const HASH_ONLY = -1;

/** A batch of files for one worker to read, checksum and (unless `level` is `HASH_ONLY`) deflate. */
export interface DeflateRequest {
  readonly id: number;
  /** zlib level 0-9, or `HASH_ONLY`. */
  readonly level: number;
  /** Absolute paths, or read tickets (safe-open.ts) that also name the file the walk saw. */
  readonly paths: string[];
  /** Where to write the batch's bodies instead of returning them (spool.ts). */
  readonly spool?: SpoolTarget;
  /**
   * The batch's claim (deflate-pool.ts, work stealing): `Int32Array(table)[index]`, set from 0 to 1 with a
   * compare-and-exchange by the thread that processes the batch; a worker that loses skips the batch.
   */
  readonly claim?: { readonly table: SharedArrayBuffer; readonly index: number };
}

/**
 * A spool file shared by every thread: its descriptor (process-wide) and its end, a 64-bit counter in shared
 * memory that each writer advances atomically to claim the range it writes.
 */
export interface SpoolTarget {
  readonly fd: number;
  readonly end: SharedArrayBuffer;
}

/** Per-file result; the body is `bodies.subarray(offset, offset + length)`. */
export interface DeflatedFile {
  /** Errno code when the file could not be read (the rest is then meaningless). */
  readonly error?: string;
  /** Bytes actually read. */
  readonly size: number;
  readonly crc32: number;
  /** SHA512 of the uncompressed content, hex. */
  readonly sha512: string;
  /** 8 when the deflated body is strictly smaller than the input, else 0 (stored). */
  readonly method: 0 | 8;
  readonly offset: number;
  readonly length: number;
  /** The body is the last package's (body-cache.ts), checked against the content just read. */
  readonly reused?: boolean;
  /** The last package offered a body recorded for this content (size, CRC-32) that does not inflate to it. */
  readonly bodyDisagreed?: boolean;
  /** The digest cache recorded another digest for the file's unchanged stamp. */
  readonly digestDisagreed?: boolean;
}

/** Reply to a `DeflateRequest` (or `error` if the worker failed as a whole). */
export interface DeflateResponse {
  readonly id: number;
  readonly files?: DeflatedFile[];
  /** All bodies of the batch, back to back, in one transferred buffer (without a spool). */
  readonly bodies?: Uint8Array;
  /** With a spool: where the batch's bodies were written, back to back (file offsets are relative to it). */
  readonly spooledAt?: number;
  readonly error?: string;
}
