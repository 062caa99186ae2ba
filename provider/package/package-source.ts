/**
 * Builds the deployment zip of a source directory, byte-for-byte reproducible on the same Node: files are
 * read, checksummed and deflated on worker threads while the walk runs, put in sorted order, and framed with
 * constant metadata (see zip-format.ts). The bodies go to a spool file as the workers return them (spool.ts)
 * and the zip is read from it in order (spooled-zip.ts), so memory does not grow with the zip; `zip` reads it
 * into one Buffer only if asked.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { collectAndProcess } from "./collect-and-process";
import { locateCaches, openSourceDigests, type CacheLocation, type SourceDigests } from "./hash-cache";
import { bodySpoolStem, openBodyCache, type BodyCache, type RecordedBody } from "./body-cache";
import { PackagingError } from "./errors";
import { resolveOptions, type PackagingOptions, type ResolvedPackagingOptions } from "./options";
import { openSpool, type Spool } from "./spool";
import { SpooledZip, type SpooledLayout, type WriteToOptions, type ZipPieces } from "./spooled-zip";
import { packageOnThread, packagingThreadScript } from "./packaging-thread";
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

/** Result of `packageSource`: the zip (in a spool file, read on demand) and what it was built from. */
export interface PackagedSource extends ZipPieces {
  /** Same value `hashSource` returns for the same directory and options, of the bytes read: the diff key. */
  sourceSha512: string;
  /** The whole archive in one Buffer, read on first access (uploads read `pieces()` and never need it). */
  readonly zip: Buffer;
  /** The archive as consecutive byte ranges (today one: `zip`). Kept for older callers; prefer `pieces()`. */
  readonly parts: readonly Uint8Array[];
  /** SHA512 (hex) of the zip; reproducible on the same Node, may differ across zlib builds. */
  readonly zipSha512: string;
  /** The zip's length in bytes. */
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
  /** Writes the zip to `file`: a new private file unless `options.overwrite` (see `WriteToOptions`). */
  writeTo(file: string, options?: WriteToOptions): void;
  /** Frees the spool file (also done when the object is garbage-collected); the zip cannot be read after. */
  close(): void;
}

/** A `PackagedSource` for a zip already in memory (placeholders, user objects). */
export function packagedFromBuffer(zip: Buffer, fields: { sourceSha512: string; zipSha512?: string; files?: SourceFile[] }): PackagedSource {
  let zipSha512 = fields.zipSha512;
  return {
    sourceSha512: fields.sourceSha512,
    zip,
    parts: [zip],
    get zipSha512() {
      zipSha512 ??= createHash("sha512").update(zip).digest("hex");
      return zipSha512;
    },
    size: zip.length,
    files: fields.files ?? [],
    reusedBodies: 0,
    pieces: () => [zip],
    writeTo: (file, options) => fs.writeFileSync(file, zip, options?.overwrite ? { flag: "w", mode: 0o666 } : { flag: "wx", mode: 0o600 }),
    close: () => undefined,
  };
}

function tooLarge(root: string, what: string): PackagingError {
  return new PackagingError(
    "TOO_LARGE",
    root,
    `${what} in the zip of ${root} reaches 4 GiB, which needs per-entry zip64 fields this writer does not emit: exclude large or unneeded files`,
  );
}

/**
 * A package as the thread that built it leaves it (plain data, so that it can come from the packaging thread,
 * packaging-thread.ts): where every piece of the zip lies in its spool, and what it was built from.
 * `packagedFromSpool` makes it a `PackagedSource`.
 */
export interface SpooledPackage {
  layout: SpooledLayout;
  sourceSha512: string;
  files: SourceFile[];
  reusedBodies: number;
  cacheNotice?: string;
  /** Already computed (the body cache records it), else computed on demand. */
  zipSha512?: string;
}

/**
 * Zips `dir` deterministically for upload. Throws `PackagingError` for bad input (see its codes). Written to
 * disk: the spool of entry bodies (unlinked at once without `hashCache`), and with `hashCache` the caches:
 * file digests (hash-cache.ts) and this package's bodies, which the next call reuses for unchanged files once
 * checked against them (body-cache.ts). Any number of entries is
 * fine: from 65,535 on, zip64 end records are added (zip-format.ts); below that the bytes are exactly the
 * classic format. An entry whose local header would start at or beyond
 * 4 GiB is refused as TOO_LARGE (only reachable with `maxTotalBytes` raised far above the service limit).
 * A source of many files is zipped on the packaging thread (packaging-thread.ts): the same bytes, less memory.
 */
export async function packageSource(dir: string, options: PackagingOptions = {}): Promise<PackagedSource> {
  const resolved = resolveOptions(options);
  const caches = locateCaches(dir, resolved.hashCache);
  // Opened here whichever thread fills it, so that this thread owns the descriptor (and discards the spool on
  // any failure, the packaging thread's crash included).
  const spool = openPackageSpool(caches);
  const job: PackageJob = { dir: path.resolve(dir), caches, spool };
  try {
    const thread = packagingThreadScript(job.dir, resolved);
    const built = (thread && (await packageOnThread(thread, job, resolved))) || (await buildPackage(job, resolved));
    return packagedFromSpool(spool.fd, built);
  } catch (err) {
    spool.discard();
    throw err;
  }
}

/** What a package is built from besides the options: the source directory (absolute), its caches, the spool for its bodies. */
export interface PackageJob {
  dir: string;
  caches: CacheLocation | undefined;
  spool: Spool;
}

/**
 * The spool a package's bodies go to as they come (spool.ts): named in the cache directory, to become the last
 * package's bodies (body-cache.ts), when there are caches; anonymous otherwise, or when that directory is not
 * writable (no body cache this time).
 */
function openPackageSpool(caches: CacheLocation | undefined): Spool {
  if (caches) {
    try {
      return openSpool(caches.cacheDir, bodySpoolStem(caches));
    } catch {
      // not writable: an anonymous spool
    }
  }
  return openSpool(undefined);
}

/** Zips `job.dir` on this thread (what `packageSource` does, up to the `PackagedSource`); the caller owns the spool. */
export async function buildPackage(job: PackageJob, resolved: ResolvedPackagingOptions): Promise<SpooledPackage> {
  const { caches } = job;
  // Every file is read and hashed here: the digests the preview recorded (hash-cache.ts) only check that cache,
  // and are replaced by the ones computed now for the next preview.
  const digests = caches && openSourceDigests(caches);
  // What the last package deflated is not deflated again once it inflates to the file's bytes (body-cache.ts).
  const bodyCache = caches && openBodyCache(caches, resolved.compressionLevel);
  return spoolPackage(job.dir, resolved, caches, digests, bodyCache, job.spool);
}

async function spoolPackage(
  dir: string, resolved: ResolvedPackagingOptions, caches: CacheLocation | undefined, digests: SourceDigests | undefined,
  bodyCache: BodyCache | undefined, spool: Spool,
): Promise<SpooledPackage> {
  let results: Awaited<ReturnType<typeof collectAndProcess>>;
  try {
    results = await collectAndProcess(dir, resolved, resolved.compressionLevel, {
      knownDigest: digests?.known, bodyCandidate: bodyCache && ((f) => bodyCache.candidate(f.path, f.size)), spool,
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
  const bodyAt: number[] = new Array(files.length);
  let localBytes = 0;
  let centralBytes = 0;
  let headerBytes = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const { result: r, bodyAt: at } = results.bySeq[f.seq];
    const entry: ZipEntryFields = { name: f.path, method: r.method, crc32: r.crc32, compressedSize: r.length, uncompressedSize: r.size, mode: f.mode };
    if (localBytes >= ZIP_LIMITS.maxBytes) throw tooLarge(root, `the offset of ${f.path}`);
    if (r.size >= ZIP_LIMITS.maxBytes) throw tooLarge(root, `the size of ${f.path}`);
    entries[i] = entry;
    bodyAt[i] = at;
    headerBytes += localHeaderSize(entry);
    localBytes += localHeaderSize(entry) + r.length;
    centralBytes += centralHeaderSize(entry);
    out[i] = { path: f.path, size: r.size, mode: f.mode, sha512: r.sha512 };
    digests?.record(f, r.sha512);
    if (r.bodyDisagreed) bodyDisagreed++;
    if (r.digestDisagreed) digestDisagreed++;
    if (r.method === 8 && !r.reused) deflatedAgain = true;
  }
  digests?.save();
  const zipSize = localBytes + centralBytes + endRecordsSize(files.length, centralBytes, localBytes);
  results.bySeq.length = 0;

  // The local headers (all in one buffer) and the central directory in memory; the bodies stay in the spool.
  const headers = Buffer.allocUnsafeSlow(headerBytes);
  const headerEnds: number[] = new Array(files.length);
  const offsets: number[] = new Array(files.length);
  const recorded: RecordedBody[] | undefined = bodyCache && new Array(files.length);
  let at = 0;
  let h = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    offsets[i] = at;
    const end = writeLocalHeader(headers, h, e);
    headerEnds[i] = end;
    at += end - h + e.compressedSize;
    h = end;
    if (recorded) recorded[i] = { path: out[i].path, size: e.uncompressedSize, method: e.method, crc32: e.crc32, offset: bodyAt[i], length: e.compressedSize };
  }
  const central = Buffer.allocUnsafeSlow(zipSize - at); // every byte is written below
  const centralOffset = at;
  let c = 0;
  for (let i = 0; i < entries.length; i++) c = writeCentralHeader(central, c, entries[i], offsets[i]);
  c = writeEndOfCentralDirectory(central, c, entries.length, c, centralOffset);
  if (at + c !== zipSize || h !== headers.length) throw new Error(`internal error: zip of ${root} is ${at + c} bytes, expected ${zipSize}`);
  const layout: SpooledLayout = { headers, headerEnds, bodyAt, bodyLength: entries.map((e) => e.compressedSize), central, size: zipSize };

  let zipSha512: string | undefined;
  const wrong = [
    bodyCache?.discarded,
    bodyDisagreed === 1 ? "1 cached body does not inflate to the file it was recorded for"
      : bodyDisagreed > 1 ? `${bodyDisagreed} cached bodies do not inflate to the files they were recorded for` : undefined,
    digestDisagreed > 0 ? `${digestDisagreed} recorded digest${digestDisagreed === 1 ? " is" : "s are"} not the content of the unchanged file${digestDisagreed === 1 ? "" : "s"}` : undefined,
  ].filter((w) => w !== undefined);
  // Rewritten too when a body was deflated again (its row was missing, outdated or wrong), so that the next
  // package finds every body it can use. The spool becomes the recorded bodies, or its name goes.
  if (bodyCache) bodyCache.save(spool, recorded!, (zipSha512 = new SpooledZip(spool.fd, layout, false).sha512()), wrong.length > 0 || deflatedAgain);
  const cacheNotice = wrong.length === 0 ? undefined
    : `the package caches of ${root} (in ${caches!.cacheDir}) disagreed with the source: ${wrong.join("; ")}; discarded them and rewrote them from the files as read now (only what matched those files was used)`;
  return {
    layout, sourceSha512: manifestSha512(out), files: out, reusedBodies: results.reusedBodies,
    ...(cacheNotice ? { cacheNotice } : {}), ...(zipSha512 ? { zipSha512 } : {}),
  };
}

/** The `PackagedSource` of a package built into the spool `fd`: it owns `fd` from now on (closed by `close` or when collected). */
function packagedFromSpool(fd: number, built: SpooledPackage): PackagedSource {
  const zip = new SpooledZip(fd, built.layout);
  let zipSha512 = built.zipSha512;
  let whole: Buffer | undefined;
  return {
    sourceSha512: built.sourceSha512,
    get zip(): Buffer {
      whole ??= zip.toBuffer();
      return whole;
    },
    get parts(): readonly Uint8Array[] {
      whole ??= zip.toBuffer();
      return [whole];
    },
    // Not every caller needs the digest of the whole zip (an upload does, to compare with the service's), and
    // it costs a pass over the zip on the calling thread.
    get zipSha512(): string {
      zipSha512 ??= zip.sha512();
      return zipSha512;
    },
    size: built.layout.size,
    files: built.files,
    reusedBodies: built.reusedBodies,
    ...(built.cacheNotice ? { cacheNotice: built.cacheNotice } : {}),
    pieces: () => (whole ? [whole] : zip.pieces()),
    writeTo: (file, options) => zip.writeTo(file, options),
    close: () => zip.close(),
  };
}
