/**
 * Builds the deployment zip of a source directory, byte-for-byte reproducible on the same Node: files are
 * read, checksummed and deflated on worker threads while the walk runs, put in sorted order, and framed with
 * constant metadata (see zip-format.ts). The zip is kept as parts (headers between the bodies the workers
 * returned), so peak memory is about the zip plus the file list; `zip` joins them only if asked.
 */
import { kMaxLength } from "node:buffer";
import { createHash } from "node:crypto";
import { collectAndProcess } from "./collect-and-process";
import { locateCaches, openSourceDigests } from "./hash-cache";
import { openBodyCache, type RecordedBody } from "./body-cache";
import { PackagingError } from "./errors";
import { resolveOptions, type PackagingOptions } from "./options";
import { manifestSha512, type SourceFile } from "./source-hash";
import {
  centralHeaderSize,
  endRecordsSize,
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
  /** The archive (assembled from `parts` on first access: uploads stream `parts` and never need it). */
  readonly zip: Buffer;
  /** The archive as consecutive byte ranges, in order: the same bytes as `zip` without a second copy. */
  readonly parts: readonly Uint8Array[];
  /** SHA512 (hex) of `zip`, computed on first access; reproducible on the same Node, may differ across zlib builds. */
  readonly zipSha512: string;
  /** `zip.length` in bytes. */
  size: number;
  /** Entries in archive order, with content digests (same shape as `hashSource().files`). */
  files: SourceFile[];
  /** Entries whose body came from the last package (body-cache.ts): neither read nor deflated this time. */
  reusedBodies: number;
}

function tooLarge(root: string, what: string): PackagingError {
  return new PackagingError(
    "TOO_LARGE",
    root,
    `${what} in the zip of ${root} reaches 4 GiB, which needs per-entry zip64 fields this writer does not emit: exclude large or unneeded files`,
  );
}

/**
 * Zips `dir` deterministically for upload. Throws `PackagingError` for bad input (see its codes). Nothing is
 * written to disk but, with `hashCache`, the caches: file digests (hash-cache.ts) and this zip as the last
 * package, whose bodies the next call reuses for unchanged files (body-cache.ts). Any number of entries is
 * fine: from 65,535 on, zip64 end records are added (zip-format.ts); below that the bytes are exactly the
 * classic format. An entry whose local header would start at or beyond
 * 4 GiB is refused as TOO_LARGE (only reachable with `maxTotalBytes` raised far above the service limit).
 */
export async function packageSource(dir: string, options: PackagingOptions = {}): Promise<PackagedSource> {
  const resolved = resolveOptions(options);
  // The digests the preview just recorded (hash-cache.ts) are not computed again for files whose stamp is the
  // same when they are read; the ones computed here are recorded for the next preview.
  const caches = locateCaches(dir, resolved.hashCache);
  const digests = caches && openSourceDigests(caches);
  // And what the last package deflated is not deflated again (body-cache.ts).
  const bodyCache = caches && openBodyCache(caches, resolved.compressionLevel);
  const results = await collectAndProcess(dir, resolved, resolved.compressionLevel, { knownDigest: digests?.known, cachedBody: bodyCache?.get });
  const { root, files } = results.source;

  const out: SourceFile[] = new Array(files.length);
  const entries: ZipEntryFields[] = new Array(files.length);
  const bodies: Uint8Array[] = new Array(files.length);
  let localBytes = 0;
  let centralBytes = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const { result: r, body } = results.bySeq[f.seq];
    const entry: ZipEntryFields = { name: f.path, method: r.method, crc32: r.crc32, compressedSize: body.length, uncompressedSize: r.size, mode: f.mode };
    if (localBytes >= ZIP_LIMITS.maxBytes) throw tooLarge(root, `the offset of ${f.path}`);
    if (r.size >= ZIP_LIMITS.maxBytes) throw tooLarge(root, `the size of ${f.path}`);
    entries[i] = entry;
    bodies[i] = body;
    localBytes += localHeaderSize(entry) + body.length;
    centralBytes += centralHeaderSize(entry);
    out[i] = { path: f.path, size: r.size, mode: f.mode, sha512: r.sha512 };
    digests?.record(f, r.sha512);
  }
  digests?.save();
  const zipSize = localBytes + centralBytes + endRecordsSize(files.length, centralBytes, localBytes);
  results.bySeq.length = 0;

  if (zipSize > kMaxLength) {
    throw new PackagingError("TOO_LARGE", root, `the zip of ${root} would be ${zipSize} bytes, more than this Node can hold in one buffer (${kMaxLength}): exclude large or unneeded files`);
  }
  // The zip as consecutive parts — local headers (all in one buffer) between the entry bodies as the workers
  // returned them, then the central directory — so the bodies are never copied into a second zip-sized buffer.
  const headers = Buffer.allocUnsafeSlow(localBytes - bodies.reduce((n, b) => n + b.length, 0));
  const parts: Uint8Array[] = new Array(2 * files.length + 1);
  const offsets: number[] = new Array(files.length);
  const recorded: RecordedBody[] | undefined = bodyCache && new Array(files.length);
  let at = 0;
  let h = 0;
  for (let i = 0; i < entries.length; i++) {
    offsets[i] = at;
    const end = writeLocalHeader(headers, h, entries[i]);
    parts[2 * i] = headers.subarray(h, end);
    parts[2 * i + 1] = bodies[i];
    at += end - h;
    if (recorded) {
      const e = entries[i];
      recorded[i] = { sha512: out[i].sha512, size: e.uncompressedSize, method: e.method, crc32: e.crc32, offset: at, length: e.compressedSize };
    }
    at += bodies[i].length;
    h = end;
  }
  const central = Buffer.allocUnsafeSlow(zipSize - at); // every byte is written below
  const centralOffset = at;
  let c = 0;
  for (let i = 0; i < entries.length; i++) c = writeCentralHeader(central, c, entries[i], offsets[i]);
  c = writeEndOfCentralDirectory(central, c, entries.length, c, centralOffset);
  if (at + c !== zipSize || h !== headers.length) throw new Error(`internal error: zip of ${root} is ${at + c} bytes, expected ${zipSize}`);
  parts[2 * files.length] = central;
  bodyCache?.save(parts, recorded!);
  let whole: Buffer | undefined;
  let zipSha512: string | undefined;
  return {
    sourceSha512: manifestSha512(out),
    get zip(): Buffer {
      whole ??= Buffer.concat(parts, zipSize);
      return whole;
    },
    parts,
    // Not every caller needs the digest of the whole zip (an upload does, to compare with the service's), and
    // it costs a pass over the zip on the calling thread.
    get zipSha512(): string {
      if (zipSha512 === undefined) {
        const hash = createHash("sha512");
        for (const p of parts) hash.update(p);
        zipSha512 = hash.digest("hex");
      }
      return zipSha512;
    },
    size: zipSize,
    files: out,
    reusedBodies: results.reusedBodies,
  };
}
