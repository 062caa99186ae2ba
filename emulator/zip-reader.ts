/**
 * Reading zips with yauzl (never a hand-written parser), with bounded memory: the whole central directory is
 * listed and checked against `ArchiveLimits` (archive-limits.ts) BEFORE any entry is inflated, then entries are
 * streamed one at a time — their bytes counted and dropped, except the few asked for, which are kept only up to
 * `keepMaxBytes` each. yauzl stops an entry that inflates past its declared size, so the declared sizes bound
 * the work. A structural problem (not a zip, truncated, bad entry) surfaces as one `ZipReadError`, which callers
 * map to 400 FSS.1011; a limit as `ArchiveLimitError`, which callers map to their route's "too large" error.
 */
import * as yauzl from "yauzl";
import { ArchiveLimitError, checkDeclaredEntries, checkEntryCount, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from "./archive-limits";

/** A zip that yauzl could not read. */
export class ZipReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipReadError";
  }
}

/** One entry: its name, uncompressed size, and its bytes when they were asked for. */
export interface ZipEntryInfo {
  name: string;
  size: number;
  isDirectory: boolean;
  data?: Buffer;
}

/** How a read is bounded. */
export interface ReadZipBounds {
  /** Archive limits (default `DEFAULT_ARCHIVE_LIMITS`). */
  limits?: ArchiveLimits;
  /** Largest entry whose bytes are kept in memory (default 64 MiB); a wanted entry declaring more is refused. */
  keepMaxBytes?: number;
}

const DEFAULT_KEEP_MAX = 64 * 1024 * 1024;

/**
 * Lists every entry of `buffer` and reads the entries whose names `wanted` accepts (every entry's compressed
 * data is inflated and checked, but only wanted ones are kept). Rejects with `ZipReadError` on any structural
 * problem and with `ArchiveLimitError` — before inflating anything — when the archive breaks a bound.
 */
export function readZip(buffer: Buffer, wanted: (name: string) => boolean = () => false, bounds: ReadZipBounds = {}): Promise<ZipEntryInfo[]> {
  const limits = bounds.limits ?? DEFAULT_ARCHIVE_LIMITS;
  const keepMax = bounds.keepMaxBytes ?? DEFAULT_KEEP_MAX;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      reject(err instanceof ArchiveLimitError ? err : new ZipReadError(err instanceof Error ? err.message : String(err)));
    };
    yauzl.fromBuffer(buffer, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return fail(err ?? "unreadable zip");
      try {
        checkEntryCount(zip.entryCount, limits);
      } catch (e) {
        return fail(e);
      }
      const listed: yauzl.Entry[] = [];
      zip.on("error", fail);
      zip.on("entry", (entry: yauzl.Entry) => {
        listed.push(entry);
        zip.readEntry();
      });
      zip.on("end", () => {
        try {
          checkDeclaredEntries(listed.map((e) => ({ name: e.fileName, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize })), buffer.length, limits);
          for (const e of listed) {
            if (!e.fileName.endsWith("/") && wanted(e.fileName) && e.uncompressedSize > keepMax) {
              throw new ArchiveLimitError(`entry '${e.fileName}' is ${e.uncompressedSize} bytes, more than the ${keepMax} bytes allowed for it`);
            }
          }
        } catch (e) {
          return fail(e);
        }
        void inflateAll(zip, listed, wanted).then((entries) => {
          if (!settled) {
            settled = true;
            resolve(entries);
          }
        }, fail);
      });
      zip.readEntry();
    });
  });
}

/** Streams every entry in turn (one at a time: memory is one inflate window), keeping the wanted ones. */
async function inflateAll(zip: yauzl.ZipFile, listed: yauzl.Entry[], wanted: (name: string) => boolean): Promise<ZipEntryInfo[]> {
  const out: ZipEntryInfo[] = [];
  for (const entry of listed) {
    const info: ZipEntryInfo = { name: entry.fileName, size: entry.uncompressedSize, isDirectory: entry.fileName.endsWith("/") };
    out.push(info);
    if (info.isDirectory) continue;
    const keep = wanted(info.name);
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (e, s) => (e || !s ? reject(e ?? new Error("unreadable entry")) : resolve(s))));
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (c: Buffer) => {
        if (keep) chunks.push(c);
      });
      stream.on("error", reject);
      stream.on("end", resolve);
    });
    if (keep) info.data = Buffer.concat(chunks);
  }
  return out;
}
