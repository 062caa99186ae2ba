/**
 * Walks a source directory and processes its files at the same time: the shared front half of
 * `hashSource` and `packageSource`. A walk error stops the workers before it is rethrown.
 */
import * as path from "node:path";
import { collectFiles, type CollectedSource } from "./collect-files";
import type { ResolvedPackagingOptions } from "./options";
import { startFileProcessor, type FileResult } from "./process-files";

/** The walked source (files in archive order) and each file's result, indexed by `CollectedFile.seq`. */
export interface ProcessedSource {
  readonly source: CollectedSource;
  readonly bySeq: FileResult[];
}

/** Walks `dir` and reads, hashes and (unless `level` is `HASH_ONLY`) deflates every file found. */
export async function collectAndProcess(dir: string, options: ResolvedPackagingOptions, level: number): Promise<ProcessedSource> {
  const processor = startFileProcessor(path.resolve(dir), level, options);
  let source: CollectedSource;
  try {
    source = collectFiles(dir, options, (file) => processor.add(file));
  } catch (err) {
    await processor.abort();
    throw err;
  }
  return { source, bySeq: await processor.finish() };
}
