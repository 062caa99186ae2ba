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
  /** Entries whose body came from the last package (body-cache.ts): read and checked, not deflated again. */
  reusedBodies: number;
  /**
   * Set when a cache disagreed with the source (a digest recorded for a file's unchanged stamp that is not its
   * content's, a last-package body that does not inflate to the file, a foreign or damaged index): one line
   * saying what, and that the caches were discarded and rewritten from this package. Nothing wrong was used.
   */
  cacheNotice?: string;
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
  // Every file is read and hashed here: the digests the preview recorded (hash-cache.ts) only check that cache,
  // and are replaced by the ones computed now for the next preview.
  const caches = locateCaches(dir, resolved.hashCache);
  const digests = caches && openSourceDigests(caches);
  // What the last package deflated is not deflated again once it inflates to the file's bytes (body-cache.ts).
  const bodyCache = caches && openBodyCache(caches, resolved.compressionLevel);
  let results: Awaited<ReturnType<typeof collectAndProcess>>;
  try {
    results = await collectAndProcess(dir, resolved, resolved.compressionLevel, {
      knownDigest: digests?.known, bodyCandidate: bodyCache && ((f) => bodyCache.candidate(f.path, f.size)),
    });
  } finally {
    bodyCache?.close();
  }
  const { root, files } = results.source;
  let bodyDisagreed = 0;
  let digestDisagreed = 0;
  let deflatedAgain = false;

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
    if (r.bodyDisagreed) bodyDisagreed++;
    if (r.method === 8 && !r.reused) deflatedAgain = true;
    if (r.digestDisagreed) digestDisagreed++;
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
      recorded[i] = { path: out[i].path, size: e.uncompressedSize, method: e.method, crc32: e.crc32, offset: at, length: e.compressedSize };
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
  let zipSha512: string | undefined;
  const wrong = [
    bodyCache?.discarded,
    bodyDisagreed === 1 ? "1 cached body does not inflate to the file it was recorded for"
      : bodyDisagreed > 1 ? `${bodyDisagreed} cached bodies do not inflate to the files they were recorded for` : undefined,
    digestDisagreed > 0 ? `${digestDisagreed} recorded digest${digestDisagreed === 1 ? " is" : "s are"} not the content of the unchanged file${digestDisagreed === 1 ? "" : "s"}` : undefined,
  ].filter((w) => w !== undefined);
  // Rewritten too when a body was deflated again (its row was missing, outdated or wrong), so that the next
  // package finds every body it can use.
  if (bodyCache) bodyCache.save(parts, recorded!, (zipSha512 = sha512Of(parts)), wrong.length > 0 || deflatedAgain);
  const cacheNotice = wrong.length === 0 ? undefined
    : `the package caches of ${root} (in ${caches!.cacheDir}) disagreed with the source: ${wrong.join("; ")}; discarded them and rewrote them from the files as read now (only what matched those files was used)`;
  let whole: Buffer | undefined;
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
      zipSha512 ??= sha512Of(parts);
      return zipSha512;
    },
    size: zipSize,
    files: out,
    reusedBodies: results.reusedBodies,
    ...(cacheNotice ? { cacheNotice } : {}),
  };
}

/** SHA512 (hex) of `parts` back to back. */
function sha512Of(parts: readonly Uint8Array[]): string {
  const hash = createHash("sha512");
  for (const p of parts) hash.update(p);
  return hash.digest("hex");
}
