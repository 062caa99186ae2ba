/**
 * The file the entry bodies of a package go to as the workers return them, so packaging never holds the zip
 * in memory: each batch's bodies are written with one write by the thread that made them, and the zip is read back from here
 * in archive order (spooled-zip.ts). Named in the cache directory when the body cache will keep it as the last
 * package's bodies (body-cache.ts renames it into place); otherwise unlinked as soon as it is created, so
 * nothing is left behind whatever happens to the process (the descriptor keeps it alive until closed).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SpoolTarget } from "./deflate-protocol";

/** Suffix of a spool file that has a name (stale ones are pruned with the caches: hash-cache.ts). */
export const SPOOL_SUFFIX = ".spool";

/** An open spool: every thread writing to it claims its range by advancing `end` (deflate-batch.ts). */
export interface Spool extends SpoolTarget {
  /** The file's path while it has one (a named spool not yet renamed or removed). */
  readonly path: string | undefined;
  /** Bytes claimed so far (all written once the writers are done). */
  readonly size: number;
  /** Forgets the name (after a rename or removal by the caller). */
  unname(): void;
  /** Removes the name if it still has one and closes the file (after a failure). */
  discard(): void;
}

/** A new spool: named `<stem>.<pid>.<random>.spool` in `dir` when `stem` is given, else anonymous in the temp dir. */
export function openSpool(dir: string | undefined, stem?: string): Spool {
  const named = dir !== undefined && stem !== undefined;
  const base = named ? dir : os.tmpdir();
  if (named) fs.mkdirSync(base, { recursive: true });
  const file = path.join(base, `${stem ?? "fgs-package"}.${process.pid}.${Math.random().toString(36).slice(2)}${SPOOL_SUFFIX}`);
  const fd = fs.openSync(file, "wx+", 0o600);
  if (!named) fs.unlinkSync(file);
  return adoptSpool({ fd, end: new SharedArrayBuffer(8), path: named ? file : undefined });
}

/** An open spool as it crosses threads: its descriptor, its shared end and its name. */
export interface SpoolHandle extends SpoolTarget {
  readonly path: string | undefined;
}

/**
 * A `Spool` over a spool opened elsewhere (`openSpool`, on the calling thread: the packaging thread writes to
 * it, packaging-thread.ts). Its `discard` closes the descriptor: only the thread that owns it calls that.
 */
export function adoptSpool(handle: SpoolHandle): Spool {
  const { fd, end } = handle;
  let name = handle.path;
  return {
    fd,
    end,
    get path() { return name; },
    get size() { return Number(Atomics.load(new BigInt64Array(end), 0)); },
    unname() { name = undefined; },
    discard() {
      if (name !== undefined) try { fs.rmSync(name, { force: true }); } catch { /* best effort */ }
      name = undefined;
      try { fs.closeSync(fd); } catch { /* already closed */ }
    },
  };
}
