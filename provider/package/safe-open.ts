/**
 * Opening what the walk saw, and nothing else. Between the walk (which lists, lstat()s and checks every entry)
 * and the read (on a worker thread, later) a file can be swapped: for a FIFO (a plain open would block
 * forever), for a symlink, or — by replacing a parent directory with a link to `/etc` — for a file outside the
 * tree. So each read is given a *read ticket* (the path, and the device and inode the walk saw), and
 * `openTicket`:
 *   - opens with O_NOFOLLOW | O_NONBLOCK (a link in the last component fails, a FIFO does not block);
 *   - fstat()s the descriptor: it must be a regular file with the walk's device and inode.
 * The identity check is enough for a swapped parent directory too: whatever path reached it, a descriptor
 * with the walk's device and inode is the very file the walk saw inside the tree (a hard link elsewhere is
 * the same file), so nothing outside the source can be read. (Reading /proc/self/fd/N back per file, as an
 * earlier version did, added a system call per file and could not catch anything more.)
 * Any mismatch is an error with a stable errno-like code; `readFailure` turns it into a `PackagingError`
 * naming the path and saying what happened. Tickets are plain strings (NUL-separated: NUL never occurs in a
 * path) so they travel to worker threads wherever a path did.
 */
import * as fs from "node:fs";
import { PackagingError, unreadable } from "./errors";
import { statStamp, type KnownDigest } from "./hash-cache";

/** The file was replaced (different device/inode) between the walk and the read. */
export const E_CHANGED = "ECHANGED";
/** What is there now is not a regular file (FIFO, socket, device, directory). */
export const E_NOT_REGULAR = "ENOTREG";

const SEP = "\u0000";
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** What the walk saw of a file. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * A body of the last package offered for a file (body-cache.ts): `length` deflated bytes at `offset` of the
 * open descriptor `fd` (descriptors are process-wide, so a worker thread reads it too), recorded for content
 * of `size` bytes with CRC-32 `crc32`. Only ever a candidate: the reader uses it only once it has inflated it
 * back to exactly the bytes it just read from the file (deflate-batch.ts).
 */
export interface BodyCandidate {
  readonly fd: number;
  readonly offset: number;
  readonly length: number;
  readonly size: number;
  readonly crc32: number;
}

/**
 * The ticket to read `absPath` (no link in its last component), expected to be `identity`. With `known`, the
 * content digest recorded for the file while it had `known.stamp` (hash-cache.ts): `openTicket` offers it
 * back when the opened file still has that stamp (a preview may use it instead of hashing; packaging only
 * checks the cache with it). With `body`, a body candidate (see `BodyCandidate`).
 */
export function readTicket(absPath: string, identity: FileIdentity, known?: KnownDigest, body?: BodyCandidate): string {
  const base = `${absPath}${SEP}${identity.dev}${SEP}${identity.ino}`;
  if (!known && !body) return base;
  const candidate = body ? `${body.fd},${body.offset},${body.length},${body.size},${body.crc32}` : "";
  return `${base}${SEP}${known?.stamp ?? ""}${SEP}${known?.sha512 ?? ""}${SEP}${candidate}`;
}

/** The path a ticket (or a plain path) reads. */
export function ticketPath(ticket: string): string {
  const i = ticket.indexOf(SEP);
  return i < 0 ? ticket : ticket.slice(0, i);
}

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

/**
 * Opens a ticket (see the module doc) and returns the descriptor with the file's size (from the same fstat),
 * or throws an Error whose `code` is an fs errno (ENOENT, ELOOP for a link…) or one of `E_CHANGED`,
 * `E_NOT_REGULAR`. A plain path (no ticket) is opened without blocking and must be a regular file, links
 * followed.
 */
export function openTicket(ticket: string): { fd: number; size: number; knownSha512?: string; candidate?: BodyCandidate } {
  const parts = ticket.split(SEP);
  if (parts.length === 1) {
    const fd = fs.openSync(ticket, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      fs.closeSync(fd);
      fail(E_NOT_REGULAR, `${ticket} is not a regular file`);
    }
    return { fd, size: st.size };
  }
  const [p, dev, ino, stamp, sha512, body] = parts;
  const fd = fs.openSync(p, OPEN_FLAGS);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) fail(E_NOT_REGULAR, `${p} is not a regular file any more`);
    if (String(st.dev) !== dev || String(st.ino) !== ino) fail(E_CHANGED, `${p} is not the file the walk saw`);
    const knownSha512 = stamp && statStamp(st) === stamp ? sha512 : undefined;
    const [cfd, offset, length, size, crc32] = body ? body.split(",").map(Number) : [];
    const candidate = body ? { fd: cfd, offset, length, size, crc32 } : undefined;
    return { fd, size: st.size, knownSha512, candidate };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** The `PackagingError` for a failed read of `p` with error `code` (from `openTicket` or the fs). */
export function readFailure(p: string, code: string, cause?: unknown): PackagingError {
  switch (code) {
    case E_CHANGED:
    case "ELOOP":
      return new PackagingError("CHANGED_WHILE_PACKAGING", p,
        `${p} was replaced (by another file or a symlink) after the source directory was walked: run again once nothing is writing to the source directory`, { cause });
    case E_NOT_REGULAR:
      return new PackagingError("UNSUPPORTED_FILE", p,
        `${p} is no longer a regular file (it was replaced by a FIFO, socket, device or directory after the walk): exclude it or run again once nothing is writing to the source directory`, { cause });
    default:
      return unreadable(p, cause ?? Object.assign(new Error(code), { code }));
  }
}

/**
 * Reads a small text file (an ignore file) without blocking on a FIFO: links are followed (an ignore file may
 * be a link), but it must be a regular file. Undefined when it does not exist or is a directory.
 */
export function readRegularText(p: string): string | undefined {
  let fd: number;
  try {
    fd = openTicket(p).fd;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") return undefined;
    if (code === E_NOT_REGULAR) {
      throw new PackagingError("UNSUPPORTED_FILE", p, `${p} is not a regular file (FIFO, socket or device), so its ignore rules cannot be read: delete or replace it`);
    }
    throw unreadable(p, err);
  }
  try {
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}
