/**
 * The one error type packaging throws, so callers (the resource layer, `fgs pack`) can map a failure to the
 * input that caused it (`sourceDir` or `exclude`) by `code`, and show the offending `path`. Its codes are the
 * reasons below (one family, a code per reason; README.md's "Errors" table lists them).
 */
import { codeOf, FgsError } from "../errors";

/** Every reason packaging can refuse a source directory. */
export type PackagingErrorCode =
  /** The source directory does not exist. */
  | "ENOENT_SOURCE"
  /** The source path exists but is not a directory. */
  | "NOT_A_DIRECTORY"
  /** Every file was excluded (or the directory holds no files). */
  | "EMPTY_AFTER_EXCLUDES"
  /** A file or directory could not be read (EACCES, EPERM, or it vanished mid-run). */
  | "UNREADABLE"
  /** A symlink resolves outside the source directory and `followExternalSymlinks` is off. */
  | "SYMLINK_ESCAPES"
  /** A symlink points at one of its own ancestor directories. */
  | "SYMLINK_CYCLE"
  /** A symlink's target does not exist. */
  | "SYMLINK_BROKEN"
  /** Total uncompressed size, archive size or entry count is over the limit. */
  | "TOO_LARGE"
  /** A special file (socket, FIFO, device) that cannot be packaged. */
  | "UNSUPPORTED_FILE"
  /** A file or directory was replaced (another file, a symlink) between the walk and the read. */
  | "CHANGED_WHILE_PACKAGING"
  /** Symlinks expand one directory too many times (fan-out without a cycle). */
  | "SYMLINK_FANOUT"
  /** A symlink points at a file or directory the ignore rules exclude (`allowLinksToIgnored` is off). */
  | "SYMLINK_TO_IGNORED"
  /**
   * A file or directory name no zip reader would extract faithfully: not valid UTF-8, or containing a
   * backslash (a path separator to most zip readers). Rename it or exclude it.
   */
  | "UNSUPPORTED_NAME";

/** Every {@link PackagingErrorCode}, at run time (the record makes the compiler check the list is complete). */
export const PACKAGING_ERROR_CODES = Object.keys({
  ENOENT_SOURCE: 1, NOT_A_DIRECTORY: 1, EMPTY_AFTER_EXCLUDES: 1, UNREADABLE: 1, SYMLINK_ESCAPES: 1, SYMLINK_CYCLE: 1,
  SYMLINK_BROKEN: 1, TOO_LARGE: 1, UNSUPPORTED_FILE: 1, CHANGED_WHILE_PACKAGING: 1, SYMLINK_FANOUT: 1,
  SYMLINK_TO_IGNORED: 1, UNSUPPORTED_NAME: 1,
} satisfies Record<PackagingErrorCode, 1>) as readonly PackagingErrorCode[];

/**
 * Thrown by `hashSource` / `packageSource` for any bad input. `path` is the absolute path at fault (the
 * source directory itself, or the file/link inside it); the message says what to do about it.
 */
export class PackagingError extends FgsError {
  /** Machine-readable reason; stable across releases. */
  declare readonly code: PackagingErrorCode;
  /** Absolute path of the directory, file or symlink at fault. */
  readonly path: string;

  constructor(code: PackagingErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    // A tree that changed under the walk may package fine on the next run.
    super(code, message, { cause: options?.cause, retryable: code === "CHANGED_WHILE_PACKAGING" });
    this.name = "PackagingError";
    this.path = path;
  }
}

/** True when `err` is a `PackagingError`, by its code (works across module copies, unlike `instanceof`). */
export function isPackagingError(err: unknown): err is PackagingError {
  const code = codeOf(err);
  return code !== undefined && (PACKAGING_ERROR_CODES as readonly string[]).includes(code);
}

/** What to do about an fs error code, for the UNREADABLE message. */
function remedy(code: string): string {
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return "it was deleted, renamed or replaced while packaging: run again once nothing is writing to the source directory, or exclude it";
    case "ENAMETOOLONG":
      return "the path is longer than the operating system allows: shorten the names or the nesting, or exclude it";
    case "EISDIR":
      return "it was replaced by a directory while packaging: run again once nothing is writing to the source directory, or exclude it";
    default:
      return "fix its permissions (e.g. chmod a+r) or exclude it";
  }
}

/** Wraps an fs error raised while reading `path` into an UNREADABLE `PackagingError` whose message says what to do. */
export function unreadable(path: string, err: unknown): PackagingError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "unknown error";
  return new PackagingError("UNREADABLE", path, `cannot read ${path} (${code}): ${remedy(code)}`, { cause: err });
}
