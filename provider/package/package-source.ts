/**
 * Builds the deployment zip of a source directory, byte-for-byte reproducible on the same Node: files are
 * read, checksummed and deflated on worker threads while the walk runs, put in sorted order, then written once into
 * a buffer of the exact final size with constant metadata (see zip-format.ts). Only entry bodies are held
 * until then (no per-entry header buffers), so peak memory is about twice the zip plus the file list.
 */
import { createHash } from "node:crypto";
import { collectAndProcess } from "./collect-and-process";
import { PackagingError } from "./errors";
import { resolveOptions, type PackagingOptions } from "./options";
import { manifestSha512, type SourceFile } from "./source-hash";
import {
  centralHeaderSize,
  END_RECORD_SIZE,
  localHeaderSize,
  writeCentralHeader,
  writeEndOfCentralDirectory,
  writeLocalHeader,
  ZIP_LIMITS,
  type ZipEntryFields,
} from "./zip-format";

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
  return new PackagingError("TOO_LARGE", root, `${what} of ${root} exceeds what a zip without zip64 holds (4 GiB, 65535 entries): exclude unneeded files`);
}

/**
 * Zips `dir` deterministically for upload. Throws `PackagingError` for bad input (see its codes); nothing is
 * written to disk.
 */
export async function packageSource(dir: string, options: PackagingOptions = {}): Promise<PackagedSource> {
  const resolved = resolveOptions(options);
  const results = await collectAndProcess(dir, resolved, resolved.compressionLevel);
  const { root, files } = results.source;
  if (files.length > ZIP_LIMITS.maxEntries) throw tooLarge(root, `the file count (${files.length})`);

  const out: SourceFile[] = new Array(files.length);
  const entries: ZipEntryFields[] = new Array(files.length);
  const bodies: Uint8Array[] = new Array(files.length);
  let zipSize = END_RECORD_SIZE;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const { result: r, body } = results.bySeq[f.seq];
    const entry: ZipEntryFields = { name: f.path, method: r.method, crc32: r.crc32, compressedSize: body.length, uncompressedSize: r.size, mode: f.mode };
    entries[i] = entry;
    bodies[i] = body;
    zipSize += localHeaderSize(entry) + body.length + centralHeaderSize(entry);
    if (zipSize > ZIP_LIMITS.maxBytes) throw tooLarge(root, "the zip size");
    out[i] = { path: f.path, size: r.size, mode: f.mode, sha512: r.sha512 };
  }
  results.bySeq.length = 0;

  const zip = Buffer.allocUnsafeSlow(zipSize); // every byte is written below
  const offsets: number[] = new Array(files.length);
  const empty = new Uint8Array(0);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    offsets[i] = at;
    at = writeLocalHeader(zip, at, entries[i]);
    zip.set(bodies[i], at);
    at += bodies[i].length;
    bodies[i] = empty; // let each batch buffer go as soon as its last body is copied
  }
  const centralOffset = at;
  for (let i = 0; i < entries.length; i++) at = writeCentralHeader(zip, at, entries[i], offsets[i]);
  at = writeEndOfCentralDirectory(zip, at, entries.length, at - centralOffset, centralOffset);
  if (at !== zipSize) throw new Error(`internal error: zip of ${root} is ${at} bytes, expected ${zipSize}`);
  return {
    sourceSha512: manifestSha512(out),
    zip,
    zipSha512: createHash("sha512").update(zip).digest("hex"),
    size: zip.length,
    files: out,
  };
}
