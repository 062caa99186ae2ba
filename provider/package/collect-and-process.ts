/**
 * Walks a source directory and processes its files at the same time: the shared front half of
 * `hashSource` and `packageSource`. A walk error stops the workers before it is rethrown.
 */
import * as path from "node:path";
import { collectFiles, type CollectedFile, type CollectedSource } from "./collect-files";
import type { ResolvedPackagingOptions } from "./options";
import { startFileProcessor, type FileResult } from "./process-files";
import { HASH_ONLY } from "./deflate-protocol";
import type { KnownDigest } from "./hash-cache";
import type { CachedBody } from "./body-cache";

/** What the caches know (hash-cache.ts, body-cache.ts): a file's digest by its stamp, a body by its digest. */
export interface ProcessCaches {
  knownDigest?: (file: CollectedFile) => KnownDigest | undefined;
  cachedBody?: (sha512: string, size: number) => CachedBody | undefined;
}

/** The walked source (files in archive order) and each file's result, indexed by `CollectedFile.seq`. */
export interface ProcessedSource {
  readonly source: CollectedSource;
  readonly bySeq: FileResult[];
  /** Files whose body came from `cachedBody` (not read, not deflated). */
  readonly reusedBodies: number;
}

/**
 * Walks `dir` and reads, hashes and (unless `level` is `HASH_ONLY`) deflates every file found. With
 * `knownDigest` (a hash cache), a file whose content digest it returns is not read at all when hashing only,
 * nor when zipping if `cachedBody` has its body (the last package's); otherwise it is not hashed again when
 * zipping (if its stamp has not changed by the time it is read).
 */
export async function collectAndProcess(
  dir: string, options: ResolvedPackagingOptions, level: number, { knownDigest, cachedBody }: ProcessCaches = {},
): Promise<ProcessedSource> {
  const processor = startFileProcessor(path.resolve(dir), level, options);
  const known: FileResult[] = [];
  let reusedBodies = 0;
  let source: CollectedSource;
  try {
    source = collectFiles(dir, options, (file) => {
      const digest = knownDigest?.(file);
      if (!digest) return processor.add(file);
      if (level === HASH_ONLY) {
        known[file.seq] = { result: { size: file.size, crc32: 0, sha512: digest.sha512, method: 0, offset: 0, length: 0 }, body: EMPTY };
        return;
      }
      const cached = cachedBody?.(digest.sha512, file.size);
      if (!cached) return processor.add(file, digest);
      const { method, crc32, body } = cached;
      known[file.seq] = { result: { size: file.size, crc32, sha512: digest.sha512, method, offset: 0, length: body.length }, body };
      reusedBodies++;
    });
  } catch (err) {
    await processor.abort();
    throw err;
  }
  const bySeq = await processor.finish();
  known.forEach((r, seq) => { bySeq[seq] = r; });
  return { source, bySeq, reusedBodies };
}

const EMPTY = new Uint8Array(0);
