/**
 * Reading zips with yauzl (never a hand-written parser): list the entries of a buffer and read the ones asked
 * for. Any structural problem — not a zip, truncated, bad entry — surfaces as one `ZipReadError`, which callers
 * map to 400 FSS.1011.
 */
import * as yauzl from "yauzl";

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

/**
 * Lists every entry of `buffer` and reads the entries whose names `wanted` accepts (also validating their
 * compressed data). Rejects with `ZipReadError` on any structural problem.
 */
export function readZip(buffer: Buffer, wanted: (name: string) => boolean = () => false): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(new ZipReadError(err instanceof Error ? err.message : String(err)));
    yauzl.fromBuffer(buffer, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return fail(err ?? "unreadable zip");
      const entries: ZipEntryInfo[] = [];
      zip.on("error", fail);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry: yauzl.Entry) => {
        const info: ZipEntryInfo = {
          name: entry.fileName,
          size: entry.uncompressedSize,
          isDirectory: entry.fileName.endsWith("/"),
        };
        entries.push(info);
        if (info.isDirectory || !wanted(info.name)) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? "unreadable entry");
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", fail);
          stream.on("end", () => {
            info.data = Buffer.concat(chunks);
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
