/**
 * Unpacks a function's code zip into a directory of its own (streaming, with yauzl): entries that would land
 * outside it (absolute paths, `..`, links) are refused, the exec bit is kept (a Custom runtime's `bootstrap`),
 * and the unpacked size is bounded by the service's 1.5 GB.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import * as yauzl from "yauzl";

/** The service's limit on unpacked code. */
export const MAX_UNPACKED_BYTES = 1.5 * 1024 * 1024 * 1024;

/** A code zip that cannot be unpacked safely. */
export class ExtractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtractError";
  }
}

/** The in-tree path of an entry, or an error for one that would escape the directory. */
function safeRelative(name: string): string {
  const normalized = path.posix.normalize(name.replace(/\\/g, "/"));
  if (path.posix.isAbsolute(normalized) || normalized === ".." || normalized.startsWith("../")) {
    throw new ExtractError(`the code zip has an entry outside its root: '${name}'`);
  }
  return normalized;
}

/** Unpacks `zip` into `dir` (created; must not exist yet). Files 0644/0755, dirs 0755. */
export function extractZip(zip: Buffer, dir: string, maxBytes = MAX_UNPACKED_BYTES): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  return new Promise((resolve, reject) => {
    let total = 0;
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true }, (err, zf) => {
      if (err || !zf) return reject(new ExtractError(`the code is not a readable zip: ${err?.message ?? "unknown"}`));
      const fail = (e: unknown) => {
        zf.close();
        reject(e instanceof ExtractError ? e : new ExtractError(e instanceof Error ? e.message : String(e)));
      };
      zf.on("error", fail);
      zf.on("end", () => resolve());
      zf.on("entry", (entry: yauzl.Entry) => {
        try {
          const rel = safeRelative(entry.fileName);
          const target = path.join(dir, rel);
          const mode = (entry.externalFileAttributes >>> 16) & 0o170777;
          if ((mode & 0o170000) === 0o120000) throw new ExtractError(`the code zip has a symbolic link: '${entry.fileName}'`);
          if (entry.fileName.endsWith("/")) {
            fs.mkdirSync(target, { recursive: true, mode: 0o755 });
            return zf.readEntry();
          }
          total += entry.uncompressedSize;
          if (total > maxBytes) throw new ExtractError(`the unpacked code is larger than ${maxBytes} bytes`);
          fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
          zf.openReadStream(entry, (e, stream) => {
            if (e || !stream) return fail(e ?? "unreadable entry");
            const fileMode = mode & 0o111 ? 0o755 : 0o644;
            pipeline(stream, fs.createWriteStream(target, { mode: fileMode, flags: "wx" })).then(() => zf.readEntry(), fail);
          });
        } catch (e) {
          fail(e);
        }
      });
      zf.readEntry();
    });
  });
}
