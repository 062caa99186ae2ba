/**
 * Feeds files to the worker pool WHILE the directory walk is still running (the walk is ~15% of the work and
 * the workers would otherwise sit idle), and collects each file's result under its `seq`; callers put results
 * in archive order afterwards. Files are dispatched in batches (`PIPELINE.batchBytes` / `batchFiles`) while
 * when zipping, the bytes dispatched but not yet returned stay under `PIPELINE.maxBytesInFlight`: that bound keeps the
 * workers' queues short so the tail stays balanced between them, and keeps queued work small if the walk
 * fails. The pool is started once `PIPELINE.inlineBelowBytes` have been found (or at the end, inline for a
 * small source), and terminated before `finish` settles.
 */
import { absolutePath, type CollectedFile } from "./collect-files";
import { startDeflatePool, type DeflatePool } from "./deflate-pool";
import { HASH_ONLY, type DeflatedFile, type SpoolTarget } from "./deflate-protocol";
import { PIPELINE, workerCount, type ResolvedPackagingOptions } from "./options";
import { readFailure, readTicket, type BodyCandidate } from "./safe-open";
import type { KnownDigest } from "./hash-cache";

/** One file's result: checksums, and where its entry body (`result.length` bytes) was spooled (0 when hashing only). */
export interface FileResult {
  readonly result: DeflatedFile;
  readonly bodyAt: number;
}

/** Handle on a running file processor. */
export interface FileProcessor {
  /**
   * Queues a file found by the walk; `known`: its recorded digest (see `readTicket`); `body`: the last
   * package's body for it, used only if it inflates to the content read (deflate-batch.ts).
   */
  add(file: CollectedFile, known?: KnownDigest, body?: BodyCandidate): void;
  /**
   * Call once the walk is complete: resolves with every file's result indexed by `seq`, or rejects with an
   * UNREADABLE `PackagingError` naming a file that could not be read. Workers are gone when it settles.
   */
  finish(): Promise<FileResult[]>;
  /** Stops everything after a walk error; pending work is dropped. */
  abort(): Promise<void>;
}

/**
 * Starts a processor reading from `root` (the source directory the paths are relative to), hashing and (for
 * `level` 0-9; `HASH_ONLY` to skip) deflating each file. Each batch's bodies are written to `spool` by the
 * thread that made them, so they are never held; without one they are dropped (for callers that want the
 * checksums only).
 */
export function startFileProcessor(
  root: string, level: number, options: ResolvedPackagingOptions, spool?: SpoolTarget,
): FileProcessor {
  // Hashing returns no bodies, and the synchronous walk handles no reply until it ends: bounded, the workers
  // would sit idle once the bound was dispatched, for the rest of the walk.
  const hashOnly = level === HASH_ONLY;
  const queue: CollectedFile[] = [];
  const known = new Map<number, { digest?: KnownDigest; body?: BodyCandidate }>();
  const results: FileResult[] = [];
  let next = 0;
  let found = 0;
  let foundBytes = 0;
  /** Bytes of `queue[next…]`: found, not yet dispatched. */
  let queuedBytes = 0;
  let done = 0;
  let held = 0;
  let walkDone = false;
  let failed = false;
  let pool: DeflatePool | undefined;
  let settle: { resolve: (r: FileResult[]) => void; reject: (e: unknown) => void } | undefined;
  let failure: unknown;
  // Workers open exactly the file the walk saw (safe-open.ts), and a symlinked file at its target, never
  // through the link.
  const ticketFor = (f: CollectedFile): string => {
    const k = known.get(f.seq);
    if (k) known.delete(f.seq);
    return readTicket(f.target ?? absolutePath(root, f), f, k?.digest, k?.body);
  };

  const fail = (err: unknown): void => {
    if (failed) return;
    failed = true;
    failure = err;
    settle?.reject(err);
  };

  const startPool = (): void => {
    if (pool) return;
    const { workers, callerHelps } = workerCount(options, walkDone ? foundBytes : Math.max(foundBytes, PIPELINE.inlineBelowBytes), hashOnly);
    pool = startDeflatePool(workers, callerHelps ? PIPELINE.stealUpToBytes : 0);
  };

  const dispatch = (): void => {
    if (!pool) return;
    while (!failed && next < queue.length && (hashOnly || held < PIPELINE.maxBytesInFlight)) {
      // Too little queued for a batch that counts as full below: wait for more (without rescanning the queue).
      if (!walkDone && queue.length - next < PIPELINE.batchFiles && queuedBytes < PIPELINE.batchBytes / 2) return;
      const batch: CollectedFile[] = [];
      let bytes = 0;
      let i = next;
      while (i < queue.length && batch.length < PIPELINE.batchFiles && (batch.length === 0 || bytes + queue[i].size <= PIPELINE.batchBytes)) {
        bytes += queue[i].size;
        batch.push(queue[i]);
        i++;
      }
      const full = batch.length === PIPELINE.batchFiles || i < queue.length || bytes >= PIPELINE.batchBytes / 2;
      if (!full && !walkDone) return; // wait for more files to fill the batch
      next = i;
      held += bytes;
      queuedBytes -= bytes;
      pool.submit(level, batch.map(ticketFor), bytes, hashOnly || !spool ? undefined : { fd: spool.fd, end: spool.end }).then(({ files: out, spooledAt }) => {
        if (failed) return;
        held -= bytes;
        for (let k = 0; k < batch.length; k++) {
          const r = out[k];
          if (r.error) return fail(readFailure(absolutePath(root, batch[k]), r.error));
        }
        const base = spooledAt ?? 0;
        for (let k = 0; k < batch.length; k++) results[batch[k].seq] = { result: out[k], bodyAt: base + out[k].offset };
        done += batch.length;
        if (walkDone && done === found) settle?.resolve(results);
        else dispatch();
      }, fail);
    }
    // Free the queue's prefix now and then so a long walk does not keep every dispatched entry twice.
    if (next > 4096 && next === queue.length) {
      queue.length = 0;
      next = 0;
    }
  };

  return {
    add(file, digest, body) {
      queue.push(file);
      if (digest || body) known.set(file.seq, { digest, body });
      found++;
      foundBytes += file.size;
      queuedBytes += file.size;
      if (!pool && (options.workerThreads !== undefined || foundBytes >= PIPELINE.inlineBelowBytes)) startPool();
      dispatch();
    },
    async finish() {
      walkDone = true;
      try {
        return await new Promise<FileResult[]>((resolve, reject) => {
          settle = { resolve, reject };
          if (failed) return reject(failure);
          if (done === found) return resolve(results);
          startPool();
          dispatch();
        });
      } finally {
        await pool?.close();
      }
    },
    async abort() {
      failed = true;
      await pool?.close();
    },
  };
}
