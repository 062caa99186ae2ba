/**
 * Builds the deployment zip of a source directory, byte-for-byte reproducible on the same Node: files in
 * sorted order, read, checksummed and deflated on worker threads, written in order with constant metadata
 * (see zip-format.ts). Peak memory is about the zip (twice, briefly, when the chunks are joined) plus
 * `PIPELINE.maxBytesInFlight`.
 */
import { createHash } from "node:crypto";
import { collectFiles } from "./collect-files";
import { PackagingError } from "./errors";
import { resolveOptions, workerCount, type PackagingOptions } from "./options";
import { processFiles } from "./process-files";
import { manifestSha512, type SourceFile } from "./source-hash";
import { centralHeader, endOfCentralDirectory, localHeader, ZIP_LIMITS, type ZipEntry } from "./zip-format";

/** Result of `packageSource`. */
export interface PackagedSource {
  /** Same value `hashSource` returns for the same directory and options: the diff key. */
  sourceSha512: string;
  /** The archive. */
  zip: Buffer;
  /** SHA512 (hex) of `zip`; reproducible on the same Node, may differ across zlib builds. */
  zipSha512: string;
  /** `zip.length` in bytes. */
  size: number;
  /** Entries in archive order, with content digests (same shape as `hashSource().files`). */
  files: SourceFile[];
}

function tooLarge(root: string, what: string): PackagingError {
  return new PackagingError("TOO_LARGE", root, `${what} of ${root} exceeds what a zip without zip64 holds: exclude unneeded files`);
}

/**
 * Zips `dir` deterministically for upload. Throws `PackagingError` for bad input (see its codes); nothing is
 * written to disk.
 */
export async function packageSource(dir: string, options: PackagingOptions = {}): Promise<PackagedSource> {
  const resolved = resolveOptions(options);
  const { root, files, totalBytes } = collectFiles(dir, resolved);
  if (files.length > ZIP_LIMITS.maxEntries) throw tooLarge(root, `the file count (${files.length})`);

  const out: SourceFile[] = new Array(files.length);
  const chunks: Uint8Array[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  await processFiles(root, files, resolved.compressionLevel, workerCount(resolved, totalBytes), (index, r, body) => {
    const f = files[index];
    const entry: ZipEntry = {
      name: Buffer.from(f.path, "utf8"),
      method: r.method,
      crc32: r.crc32,
      compressedSize: body.length,
      uncompressedSize: r.size,
      mode: f.mode,
      offset,
    };
    const header = localHeader(entry);
    chunks.push(header, body);
    offset += header.length + body.length;
    if (offset > ZIP_LIMITS.maxBytes) throw tooLarge(root, "the zip size");
    central.push(centralHeader(entry));
    out[index] = { path: f.path, size: r.size, mode: f.mode, sha512: r.sha512 };
  });

  let centralSize = 0;
  for (const c of central) centralSize += c.length;
  if (offset + centralSize > ZIP_LIMITS.maxBytes) throw tooLarge(root, "the zip size");
  const zip = Buffer.concat([...chunks, ...central, endOfCentralDirectory(files.length, centralSize, offset)]);
  return {
    sourceSha512: manifestSha512(out),
    zip,
    zipSha512: createHash("sha512").update(zip).digest("hex"),
    size: zip.length,
    files: out,
  };
}
