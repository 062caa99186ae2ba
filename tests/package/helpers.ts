/**
 * Test helpers for packaging: small fixture trees in os.tmpdir(), an in-process zip reader (yauzl) and
 * probes for the independent readers (python3 zipfile, Info-ZIP unzip).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as yauzl from "yauzl";

/** A fixture entry: file content, a file with mode, a symlink, or an (empty) directory. */
export type FixtureEntry = string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string } | { dir: true };

/** Creates a fresh temporary directory (removed by `cleanup`). */
export function tempDir(prefix = "fgs-pack-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `entries` (relative paths → content) under `root`, creating parent directories, in the given order. */
export function writeTree(root: string, entries: Record<string, FixtureEntry>, fileMode = 0o644): string {
  fs.mkdirSync(root, { recursive: true });
  for (const [rel, e] of Object.entries(entries)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof e === "string" || Buffer.isBuffer(e)) {
      fs.writeFileSync(abs, e);
      fs.chmodSync(abs, fileMode);
    } else if ("symlink" in e) {
      fs.symlinkSync(e.symlink, abs);
    } else if ("dir" in e) {
      fs.mkdirSync(abs, { recursive: true });
    } else {
      fs.writeFileSync(abs, e.content);
      fs.chmodSync(abs, e.mode ?? fileMode);
    }
  }
  return root;
}

/** Removes temporary directories. */
export function cleanup(...dirs: string[]): void {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}

/** One entry as read back by yauzl, with the raw header fields the determinism rules are about. */
export interface ReadEntry {
  name: string;
  data: Buffer;
  mode: number;
  versionMadeBy: number;
  flags: number;
  method: number;
  dosDate: number;
  dosTime: number;
  extraFieldCount: number;
}

/** Reads every entry of `zip` with yauzl (strict: CRC and sizes are checked while inflating). */
export function readZip(zip: Buffer): Promise<ReadEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zf) => {
      if (err || !zf) return reject(err);
      const out: ReadEntry[] = [];
      zf.on("error", reject);
      zf.on("end", () => resolve(out));
      zf.on("entry", (entry: yauzl.Entry) => {
        zf.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return reject(e2);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            out.push({
              name: entry.fileName,
              data: Buffer.concat(chunks),
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              versionMadeBy: entry.versionMadeBy,
              flags: entry.generalPurposeBitFlag,
              method: entry.compressionMethod,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              extraFieldCount: entry.extraFields.length,
            });
            zf.readEntry();
          });
        });
      });
      zf.readEntry();
    });
  });
}

/** True when `cmd` runs (used to skip tests of optional external readers, with a reason). */
export function hasCommand(cmd: string, args: string[] = ["--version"]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error;
}

/** Absolute path of the compiled packaging module, for child processes. */
export const PACKAGE_MODULE = path.resolve(__dirname, "../../provider/package/index.js");

/** What python3's zipfile sees in a zip: `testzip()` (first bad entry or null) and every entry in order. */
export interface PythonListing {
  bad: string | null;
  /** Per entry: name, Unix mode bits, flag bits, SHA-256 of the content (hex). */
  entries: { name: string; mode: number; flags: number; sha256: string }[];
}

const PY_LIST = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
digest = sys.argv[2] == "1"
out = [{"name": i.filename, "mode": (i.external_attr >> 16) & 0o7777, "flags": i.flag_bits,
        "sha256": hashlib.sha256(z.read(i)).hexdigest() if digest else ""} for i in z.infolist()]
sys.stdout.write(json.dumps({"bad": bad, "entries": out}, ensure_ascii=True))
`;

/**
 * Reads the zip at `zipPath` with python3 zipfile (throws with python's stderr if it cannot). `testzip()`
 * always checks every CRC; `digests: false` leaves `sha256` empty (halves the time on huge zips).
 */
export function pythonListing(zipPath: string, digests = true): PythonListing {
  const r = spawnSync("python3", ["-c", PY_LIST, zipPath, digests ? "1" : "0"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 zipfile failed on ${zipPath}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PythonListing;
}

/** Runs `unzip -tq` on `zipPath`; returns its exit status and output (0 = "No errors detected"). */
export function unzipTest(zipPath: string): { status: number | null; output: string } {
  const r = spawnSync("unzip", ["-tq", zipPath], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.slice(-2000) };
}

/** Skip reason for tests that need python3 and Info-ZIP unzip, or false when both are installed. */
export function readersMissing(): string | false {
  if (!hasCommand("python3")) return "python3 not installed";
  if (!hasCommand("unzip", ["-v"])) return "unzip not installed";
  return false;
}
