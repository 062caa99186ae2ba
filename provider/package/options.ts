/**
 * Packaging options and their defaults, in one place. Everything else reads the resolved form.
 */
import * as os from "node:os";
import { InvalidArgumentError } from "../errors";

/** Options accepted by `hashSource` and `packageSource`. */
export interface PackagingOptions {
  /**
   * Extra gitignore-syntax patterns, relative to the source directory. They are applied after every ignore
   * file, so a negation here (e.g. `!dist/`) re-includes a path that `.gitignore` leaves out.
   */
  exclude?: readonly string[];
  /** Honour `.gitignore` and `.fgsignore` at any depth, each relative to its own directory (default true). */
  useIgnoreFiles?: boolean;
  /** Package the targets of symlinks that resolve outside the source directory instead of refusing (default false). */
  followExternalSymlinks?: boolean;
  /**
   * Package symlinks whose target (inside the source) the ignore rules exclude — e.g. `config -> .env` — instead
   * of refusing with SYMLINK_TO_IGNORED (default false: an excluded file never ships under another name).
   */
  allowLinksToIgnored?: boolean;
  /** Most files and directories walked, each symlink counted every time it is followed (default 100,000; TOO_LARGE above). */
  maxEntries?: number;
  /** Most times one directory may be entered through symlinks (default 32; SYMLINK_FANOUT above: links that fan out). */
  maxSymlinkExpansions?: number;
  /** zlib deflate level 0–9 used by `packageSource` (default 6). Never affects `sourceSha512`. */
  compressionLevel?: number;
  /**
   * Reuse content digests of files whose stat stamp (inode, size, mtime, ctime) is unchanged since the last run,
   * from a cache on disk (`true`: the default cache directory, see hash-cache.ts; a string: that directory), and
   * record the new ones: `hashSource` does not read such files, `packageSource` does not hash them again.
   * Default false. Never changes the result, only how much is read and hashed.
   */
  hashCache?: boolean | string;
  /** Refuse sources whose total uncompressed size is above this many bytes (default 1.5 GiB, the service limit). */
  maxTotalBytes?: number;
  /**
   * Worker threads that read, hash and deflate; 0 = on the calling thread. Default (undefined): 0 for sources
   * under `PIPELINE.inlineBelowBytes`, else `min(PIPELINE.maxThreads, os.availableParallelism())` when
   * zipping; when hashing only, one fewer (at least 1) and the calling thread takes the batches no worker has
   * started whenever it is idle (deflate-pool.ts). By default a source of `PIPELINE.packagingThreadFromEntries`
   * entries or more is zipped on the packaging thread (packaging-thread.ts), which takes batches the same way
   * beside one fewer worker. With an explicit number, only the workers process files, on the calling thread.
   * Never changes any output byte.
   */
  workerThreads?: number;
}

/** `PackagingOptions` with every default filled in. */
export interface ResolvedPackagingOptions {
  exclude: readonly string[];
  useIgnoreFiles: boolean;
  followExternalSymlinks: boolean;
  allowLinksToIgnored: boolean;
  maxEntries: number;
  maxSymlinkExpansions: number;
  compressionLevel: number;
  maxTotalBytes: number;
  /** `undefined` = automatic, see `PackagingOptions.workerThreads`. */
  workerThreads: number | undefined;
  hashCache: boolean | string;
  /**
   * Set on the packaging thread (packaging-thread.ts), never by callers: zipping there lets the calling thread
   * take batches too, as hashing does everywhere (see `workerCount`).
   */
  onPackagingThread?: boolean;
}

/** FunctionGraph's limit on the uncompressed size of a code package: 1.5 GiB. */
export const DEFAULT_MAX_TOTAL_BYTES = 1536 * 1024 * 1024;

/** Default option values (exported so docs and the CLI show the same numbers). */
export const PACKAGING_DEFAULTS: Readonly<ResolvedPackagingOptions> = Object.freeze({
  exclude: Object.freeze([]) as readonly string[],
  useIgnoreFiles: true,
  followExternalSymlinks: false,
  allowLinksToIgnored: false,
  maxEntries: 100_000,
  maxSymlinkExpansions: 32,
  compressionLevel: 6,
  maxTotalBytes: DEFAULT_MAX_TOTAL_BYTES,
  workerThreads: undefined,
  hashCache: false,
});

/**
 * Internal tuning for the read/deflate pipeline. Work handed to workers is bounded (unbounded queues were
 * measured at 5.4 GB for a 220 MB tree) and workers read into a reused buffer, so memory beyond the zip
 * itself stays flat whatever the tree size.
 */
export const PIPELINE = Object.freeze({
  /**
   * Bytes (by walk-time size) dispatched to workers and not yet returned; one larger file still goes alone.
   * Queued work is only paths (workers read the files), so this is about keeping each worker's queue deep
   * enough to stay busy when the main thread is descheduled on a loaded machine (on the shared 2-core bench
   * machine: 0.89x of `zip -r` with 16 MiB, 0.53-0.57x with 64 MiB; load varied between runs).
   */
  maxBytesInFlight: 64 * 1024 * 1024,
  /** Files are sent to a worker in batches of up to this many bytes… */
  batchBytes: 1024 * 1024,
  /** …or this many files, to keep per-message overhead low. */
  batchFiles: 256,
  /**
   * Threads that process files by default (measured: 2 threads = 0.59x of 1): one per core, at most this many;
   * when hashing, the calling thread is one of them (see `workerCount`).
   */
  maxThreads: 2,
  /** Largest batch (bytes) the calling thread takes from the workers when hashing: it blocks its event loop meanwhile. */
  stealUpToBytes: 1024 * 1024,
  /** Below this total size the work runs on the calling thread (starting a worker costs ~30-50 ms). */
  inlineBelowBytes: 4 * 1024 * 1024,
  /**
   * A source directory holding at least this many entries (counted before the walk, ignore rules not applied)
   * is zipped on the packaging thread (packaging-thread.ts); a smaller one on the calling thread, which
   * spares it that thread's start (~0.1 s).
   */
  packagingThreadFromEntries: 2000,
});

/**
 * Worker threads to use for a source of `totalBytes` (0 = on the calling thread), and whether the calling
 * thread also takes batches (see `PackagingOptions.workerThreads`). Hashing lets the calling thread help; when
 * zipping only the packaging thread does: on the main thread the deflate output buffers it would make are
 * garbage that its large young generation keeps for long (the packaging peak rose by ~12 MB with one worker
 * and the calling thread instead of two workers), the packaging thread's young generation is small.
 */
export function workerCount(options: ResolvedPackagingOptions, totalBytes: number, hashOnly: boolean): { workers: number; callerHelps: boolean } {
  if (options.workerThreads !== undefined) return { workers: options.workerThreads, callerHelps: false };
  if (totalBytes < PIPELINE.inlineBelowBytes) return { workers: 0, callerHelps: false };
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const threads = Math.min(PIPELINE.maxThreads, cores);
  return hashOnly || options.onPackagingThread ? { workers: Math.max(1, threads - 1), callerHelps: true } : { workers: Math.max(1, threads), callerHelps: false };
}

/** Fills in defaults and validates values, throwing an `InvalidArgumentError` that names the bad option. */
export function resolveOptions(options: PackagingOptions = {}): ResolvedPackagingOptions {
  const o = { ...PACKAGING_DEFAULTS };
  if (options.exclude !== undefined) {
    if (!Array.isArray(options.exclude) || options.exclude.some((p) => typeof p !== "string")) {
      throw new InvalidArgumentError("options.exclude must be an array of gitignore-style pattern strings");
    }
    o.exclude = [...options.exclude];
  }
  if (options.useIgnoreFiles !== undefined) o.useIgnoreFiles = Boolean(options.useIgnoreFiles);
  if (options.followExternalSymlinks !== undefined) o.followExternalSymlinks = Boolean(options.followExternalSymlinks);
  if (options.allowLinksToIgnored !== undefined) o.allowLinksToIgnored = Boolean(options.allowLinksToIgnored);
  for (const key of ["maxEntries", "maxSymlinkExpansions"] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`options.${key} must be a positive integer, got ${String(v)}`);
    o[key] = v;
  }
  if (options.compressionLevel !== undefined) {
    const l = options.compressionLevel;
    if (!Number.isInteger(l) || l < 0 || l > 9) {
      throw new InvalidArgumentError(`options.compressionLevel must be an integer 0-9, got ${String(l)}`);
    }
    o.compressionLevel = l;
  }
  if (options.maxTotalBytes !== undefined) {
    const m = options.maxTotalBytes;
    if (!Number.isFinite(m) || m <= 0) throw new InvalidArgumentError(`options.maxTotalBytes must be a positive number, got ${String(m)}`);
    o.maxTotalBytes = m;
  }
  if (options.hashCache !== undefined) {
    const c = options.hashCache;
    if (typeof c !== "boolean" && (typeof c !== "string" || c === "")) {
      throw new InvalidArgumentError(`options.hashCache must be true, false or a directory path, got ${String(c)}`);
    }
    o.hashCache = c;
  }
  if (options.workerThreads !== undefined) {
    const w = options.workerThreads;
    if (!Number.isInteger(w) || w < 0 || w > 64) throw new InvalidArgumentError(`options.workerThreads must be an integer 0-64, got ${String(w)}`);
    o.workerThreads = w;
  }
  return o;
}
