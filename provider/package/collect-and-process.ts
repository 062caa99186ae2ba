/**
 * Walks a source directory and processes its files at the same time: the shared front half of
 * `hashSource` and `packageSource`. A walk error stops the workers before it is rethrown.
 */
import * as path from "node:path";
import { collectFiles, type CollectedFile, type CollectedSource } from "./collect-files";
import type { ResolvedPackagingOptions } from "./options";
import { startFileProcessor, type FileResult } from "./process-files";
import { HASH_ONLY, type SpoolTarget } from "./deflate-protocol";
import type { KnownDigest } from "./hash-cache";
import type { BodyCandidate } from "./safe-open";

/** What the caches know (hash-cache.ts, body-cache.ts): a file's digest by its stamp, its last body by its path. */
export interface ProcessCaches {
  knownDigest?: (file: CollectedFile) => KnownDigest | undefined;
  bodyCandidate?: (file: CollectedFile) => BodyCandidate | undefined;
  /** Where the entry bodies go when zipping (see `startFileProcessor`). */
  spool?: SpoolTarget;
}

/** The walked source (files in archive order) and each file's result, indexed by `CollectedFile.seq`. */
export interface ProcessedSource {
  readonly source: CollectedSource;
  readonly bySeq: FileResult[];
  /** Files whose body came from `bodyCandidate` (read and checked, not deflated). */
  readonly reusedBodies: number;
}

/**
 * Walks `dir` and reads, hashes and (unless `level` is `HASH_ONLY`) deflates every file found. When hashing
 * only, a file whose content digest `knownDigest` (a hash cache) returns is not read at all — the preview
 * trusts the cache, as git's index does. When zipping, every file is read and hashed: a recorded digest only
 * checks the digest cache, and a `bodyCandidate` is used instead of deflating only once it inflates to the
 * bytes read (deflate-batch.ts).
 */
export async function collectAndProcess(
  dir: string, options: ResolvedPackagingOptions, level: number, { knownDigest, bodyCandidate, spool }: ProcessCaches = {},
): Promise<ProcessedSource> {
  const processor = startFileProcessor(path.resolve(dir), level, options, spool);
  const known: FileResult[] = [];
  let source: CollectedSource;
  try {
    source = collectFiles(dir, options, (file) => {
      const digest = knownDigest?.(file);
      if (level !== HASH_ONLY) return processor.add(file, digest, bodyCandidate?.(file));
      if (!digest) return processor.add(file);
      known[file.seq] = { result: { size: file.size, crc32: 0, sha512: digest.sha512, method: 0, offset: 0, length: 0 }, bodyAt: 0 };
    });
  } catch (err) {
    await processor.abort();
    throw err;
  }
  const bySeq = await processor.finish();
  known.forEach((r, seq) => { bySeq[seq] = r; });
  let reusedBodies = 0;
  for (const r of bySeq) if (r.result.reused) reusedBodies++;
  return { source, bySeq, reusedBodies };
}

