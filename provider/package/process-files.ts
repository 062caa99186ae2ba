/**
 * Runs collected files through the worker pool and hands each result to the caller IN ARCHIVE ORDER.
 * Files are dispatched in batches (up to `PIPELINE.batchBytes` / `batchFiles`) while the bytes dispatched but
 * not yet consumed stay under `PIPELINE.maxBytesInFlight` (one larger file still goes alone): that bound is
 * the backpressure that keeps memory flat, and it also bounds the reorder buffer.
 */
import { absolutePath, type CollectedFile } from "./collect-files";
import { startDeflatePool } from "./deflate-pool";
import type { DeflatedFile } from "./deflate-protocol";
import { unreadable } from "./errors";
import { PIPELINE } from "./options";

/** Consumer of in-order results: `body` is the entry body (empty when hashing only). */
export type ConsumeResult = (index: number, result: DeflatedFile, body: Uint8Array) => void;

/**
 * Reads (from `root`, the source directory the paths are relative to), hashes and (for `level` 0-9;
 * `HASH_ONLY` to skip) deflates every file on a pool of `workers`
 * threads (0 = the calling thread), calling `consume` in index order. Rejects with an UNREADABLE `PackagingError`
 * naming the first file that could not be read, or whatever `consume` throws. Workers are terminated before
 * this settles.
 */
export async function processFiles(root: string, files: readonly CollectedFile[], level: number, workers: number, consume: ConsumeResult): Promise<void> {
  const pool = startDeflatePool(workers);
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = new Map<number, { result: DeflatedFile; body: Uint8Array }>();
      let nextToDispatch = 0;
      let nextToConsume = 0;
      let held = 0;
      let failed = false;

      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        reject(err);
      };

      const dispatch = (): void => {
        while (!failed && nextToDispatch < files.length && (held === 0 || held < PIPELINE.maxBytesInFlight)) {
          const paths: string[] = [];
          const first = nextToDispatch;
          let bytes = 0;
          while (
            nextToDispatch < files.length &&
            paths.length < PIPELINE.batchFiles &&
            (paths.length === 0 || bytes + files[nextToDispatch].size <= PIPELINE.batchBytes)
          ) {
            bytes += files[nextToDispatch].size;
            paths.push(absolutePath(root, files[nextToDispatch]));
            nextToDispatch++;
          }
          held += bytes;
          pool.submit(level, paths, bytes).then(({ files: results, bodies }) => {
            if (failed) return;
            results.forEach((result, k) => {
              ready.set(first + k, { result, body: bodies.subarray(result.offset, result.offset + result.length) });
            });
            drain();
          }, fail);
        }
      };

      const drain = (): void => {
        try {
          while (ready.has(nextToConsume)) {
            const r = ready.get(nextToConsume)!;
            ready.delete(nextToConsume);
            const file = files[nextToConsume];
            if (r.result.error) throw unreadable(absolutePath(root, file), Object.assign(new Error(r.result.error), { code: r.result.error }));
            consume(nextToConsume, r.result, r.body);
            held -= file.size;
            nextToConsume++;
          }
        } catch (err) {
          fail(err);
          return;
        }
        if (nextToConsume === files.length) resolve();
        else dispatch();
      };

      dispatch();
    });
  } finally {
    await pool.close();
  }
}
