/**
 * Unpacks a function's code zip into a directory of its own, with the emulator's zip reader (reader.ts: every
 * entry inflated and checked against its size and CRC-32): entries that would land outside it (absolute paths,
 * `..`, links) are refused, the exec bit is kept (a Custom runtime's `bootstrap`), and the unpacked size is bounded
 * by the service's 1.5 GB. Entries are inflated one at a time (big ones as a stream), and the event loop gets a turn
 * every few milliseconds, so other requests are answered while a large tree is unpacked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ZipError } from "./error";
import { dataStart, inflateEntry, inflateLargeEntry, readCentralDirectory, WHOLE_ENTRY_MAX } from "./reader";

/** The service's limit on unpacked code. */
export const MAX_UNPACKED_BYTES = 1.5 * 1024 * 1024 * 1024;

/** How long the unpacking runs before it lets the event loop answer others. */
const SLICE_MS = 10;

/** The in-tree path of an entry, or an error for one that would escape the directory. */
function safeRelative(name: string): string {
  const normalized = path.posix.normalize(name.replace(/\\/g, "/"));
  if (path.posix.isAbsolute(normalized) || normalized === ".." || normalized.startsWith("../")) {
    throw new ZipError("ZIP_UNSAFE", `the code zip has an entry outside its root: '${name}'`);
  }
  return normalized;
}

/**
 * Unpacks `zip` into `dir` (created; must not exist yet). Files 0644/0755, dirs 0755. Rejects with a `ZipError`
 * (`ZIP_INVALID`, `ZIP_LIMIT` over `maxBytes`, `ZIP_UNSAFE` for an entry that cannot be unpacked safely).
 */
export async function extractZip(zip: Buffer, dir: string, maxBytes = MAX_UNPACKED_BYTES): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  let directory: ReturnType<typeof readCentralDirectory>;
  try {
    directory = readCentralDirectory(zip);
  } catch (err) {
    throw new ZipError("ZIP_INVALID", `the code is not a readable zip: ${(err as Error).message}`);
  }
  let total = 0;
  let slice = Date.now();
  for (const entry of directory.entries) {
    const rel = safeRelative(entry.name);
    const target = path.join(dir, rel);
    const mode = (entry.attributes >>> 16) & 0o170777;
    if ((mode & 0o170000) === 0o120000) throw new ZipError("ZIP_UNSAFE", `the code zip has a symbolic link: '${entry.name}'`);
    if (entry.name.endsWith("/")) {
      fs.mkdirSync(target, { recursive: true, mode: 0o755 });
      continue;
    }
    total += entry.uncompressedSize;
    if (total > maxBytes) throw new ZipError("ZIP_LIMIT", `the unpacked code is larger than ${maxBytes} bytes`);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    const start = dataStart(zip, entry, directory.offset);
    const data = zip.subarray(start, start + entry.compressedSize);
    const fileMode = mode & 0o111 ? 0o755 : 0o644;
    if (entry.method === 8 && entry.uncompressedSize > WHOLE_ENTRY_MAX) {
      const fd = fs.openSync(target, "wx", fileMode);
      try {
        await inflateLargeEntry(entry, data, (chunk) => fs.writeSync(fd, chunk));
      } finally {
        fs.closeSync(fd);
      }
    } else {
      fs.writeFileSync(target, inflateEntry(entry, data), { mode: fileMode, flag: "wx" });
    }
    if (Date.now() - slice >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = Date.now();
    }
  }
}
