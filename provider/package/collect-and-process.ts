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

/** The walked source (files in archive order) and each file's result, indexed by `CollectedFile.seq`. */
export interface ProcessedSource {
  readonly source: CollectedSource;
  readonly bySeq: FileResult[];
}

/**
 * Walks `dir` and reads, hashes and (unless `level` is `HASH_ONLY`) deflates every file found. With
 * `knownDigest` (a hash cache), a file whose content digest it returns is not read at all when hashing only,
 * and not hashed again when zipping (if its stamp has not changed by the time it is read).
 */
export async function collectAndProcess(
  dir: string, options: ResolvedPackagingOptions, level: number, knownDigest?: (file: CollectedFile) => KnownDigest | undefined,
): Promise<ProcessedSource> {
  const processor = startFileProcessor(path.resolve(dir), level, options);
  const known: FileResult[] = [];
  let source: CollectedSource;
  try {
    source = collectFiles(dir, options, (file) => {
      const digest = knownDigest?.(file);
      if (!digest || level !== HASH_ONLY) return processor.add(file, digest);
      known[file.seq] = { result: { size: file.size, crc32: 0, sha512: digest.sha512, method: 0, offset: 0, length: 0 }, body: EMPTY };
    });
  } catch (err) {
    await processor.abort();
    throw err;
  }
  const bySeq = await processor.finish();
  known.forEach((r, seq) => { bySeq[seq] = r; });
  return { source, bySeq };
}

const EMPTY = new Uint8Array(0);
