/**
 * The files `packageSource` would put in the zip, without reading their content: the same walk, options and
 * errors (missing or non-directory source, names, symlink rules, special files, size limits, nothing left after
 * excludes), plus each file's readability. What `check` needs for a function that has no source hash to compare
 * with yet (a create): the hash is computed once, by the packaging that deploys it.
 */
import * as fs from "node:fs";
import { absolutePath, collectFiles, type FileMode } from "./collect-files";
import { unreadable } from "./errors";
import { resolveOptions, type PackagingOptions } from "./options";

/** One file of a listing (see `SourceFile`, which adds the content digest). */
export interface ListedFile {
  /** Source-relative path, `/` separators (the zip entry name). */
  path: string;
  /** Size in bytes at walk time. */
  size: number;
  /** Normalised mode: 0o644 or 0o755. */
  mode: FileMode;
}

/** Result of `listSource`. */
export interface SourceListing {
  /** Files in archive order (byte order of the UTF-8 path). */
  files: readonly ListedFile[];
  /** Sum of the sizes. */
  totalBytes: number;
}

/**
 * Lists the files of `dir` to package (archive order) without reading them: throws the `PackagingError`s the
 * walk of `hashSource` / `packageSource` throws, and UNREADABLE for a file the process may not read (one
 * `access` per file, following a symlink to what packaging reads). Same options (`compressionLevel` and
 * `hashCache` are ignored: nothing is read, nothing cached).
 */
export function listSource(dir: string, options: PackagingOptions = {}): SourceListing {
  const source = collectFiles(dir, resolveOptions(options));
  for (const f of source.files) {
    const where = absolutePath(source.root, f);
    try {
      fs.accessSync(f.target ?? where, fs.constants.R_OK);
    } catch (err) {
      throw unreadable(where, err);
    }
  }
  // The walk's own records (no copy: a preview holds tens of thousands of them).
  return { files: source.files, totalBytes: source.totalBytes };
}
