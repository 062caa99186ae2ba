/**
 * The emulator's zip reader against yauzl, side by side on the same zips in one process (one thread, median of
 * rounds): what chose the reader in `emulator/zip/` (issue 23). Three jobs, each done both ways:
 *  - verify: every entry's structure, size and CRC-32 (what every code upload, import and admin upload runs);
 *  - read: list a package and keep one entry (an import package's YAML);
 *  - extract: unpack into a directory (the runtime, once per code digest).
 * The zips: this project's `node_modules` packaged by `packageSource` (~17,800 files, ~34 MB), and a zip of the
 * same size holding a few large files; or the zips named on the command line. Run:
 * `node dist/bench/zip-reader.js [zip ...]` (not part of `npm run bench`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import { pipeline } from "node:stream/promises";
import * as yauzl from "yauzl";
import { packageSource } from "../provider/package";
import { checkDeclaredEntries, DEFAULT_ARCHIVE_LIMITS } from "../emulator/zip/limits";
import { readZip } from "../emulator/zip/reader";
import { verifyZip } from "../emulator/zip/verify";
import { extractZip } from "../emulator/zip/extract";

const MB = 1024 * 1024;
const REPO = path.join(__dirname, "..", "..");

function open(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (e, z) => (e || !z ? reject(e) : resolve(z))));
}

function list(zf: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zf.on("error", reject);
    zf.on("entry", (e: yauzl.Entry) => (out.push(e), zf.readEntry()));
    zf.on("end", () => resolve(out));
    zf.readEntry();
  });
}

function stream(zf: yauzl.ZipFile, e: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zf.openReadStream(e, (err, s) => (err || !s ? reject(err) : resolve(s))));
}

/** yauzl doing what `verifyZip` does: limits on the directory, then every entry inflated, sized and CRC-checked. */
async function yauzlVerify(zip: Buffer): Promise<number> {
  const zf = await open(zip);
  const entries = await list(zf);
  checkDeclaredEntries(entries.map((e) => ({ name: e.fileName, compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize })), zip.length, DEFAULT_ARCHIVE_LIMITS);
  for (const e of entries) {
    if (e.fileName.endsWith("/")) continue;
    let crc = 0;
    const s = await stream(zf, e);
    await new Promise<void>((resolve, reject) => {
      s.on("data", (c: Buffer) => (crc = crc32(c, crc)));
      s.on("error", reject);
      s.on("end", resolve);
    });
    if (crc >>> 0 !== e.crc32 >>> 0) throw new Error(`${e.fileName}: CRC-32 mismatch`);
  }
  return entries.length;
}

/** yauzl listing every entry and keeping one (the emulator's import reader before issue 23). */
async function yauzlRead(zip: Buffer, wanted: string): Promise<Buffer | undefined> {
  const zf = await open(zip);
  let kept: Buffer | undefined;
  for (const e of await list(zf)) {
    if (e.fileName.endsWith("/")) continue;
    const chunks: Buffer[] = [];
    const s = await stream(zf, e);
    await new Promise<void>((resolve, reject) => {
      s.on("data", (c: Buffer) => e.fileName === wanted && chunks.push(c));
      s.on("error", reject);
      s.on("end", resolve);
    });
    if (e.fileName === wanted) kept = Buffer.concat(chunks);
  }
  return kept;
}

/** yauzl unpacking into `dir` (the runtime's extraction before issue 23). */
async function yauzlExtract(zip: Buffer, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const zf = await open(zip);
  for (const e of await list(zf)) {
    const target = path.join(dir, e.fileName);
    if (e.fileName.endsWith("/")) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await pipeline(await stream(zf, e), fs.createWriteStream(target, { flags: "wx" }));
  }
}

async function median(rounds: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

/** A tree of a few large files (text-like, compressible ~3:1) of about `mb` MB of zip. */
function largeFilesTree(dir: string): void {
  const words = fs.readFileSync(path.join(REPO, "README.md"));
  for (let f = 0; f < 6; f++) {
    const parts: Buffer[] = [];
    let seed = f + 1;
    for (let n = 0; n < 24 * MB;) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const at = seed % (words.length - 4096);
      const piece = words.subarray(at, at + 512 + (seed % 3584));
      parts.push(piece, Buffer.from([seed & 0xff, (seed >> 8) & 0xff]));
      n += piece.length + 2;
    }
    fs.writeFileSync(path.join(dir, `big${f}.bin`), Buffer.concat(parts));
  }
}

/** Runs the comparison and returns its numbers (also logged). */
export async function runZipReaderBench(opts: { log?: (line: string) => void; rounds?: number; zips?: string[] } = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? console.log;
  const rounds = opts.rounds ?? 5;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-zip-"));
  try {
    const big = path.join(scratch, "big");
    fs.mkdirSync(big);
    if (!opts.zips?.length) largeFilesTree(big);
    const zips: Record<string, Buffer> = opts.zips?.length
      ? Object.fromEntries(opts.zips.map((z) => [path.basename(z), fs.readFileSync(z)]))
      : { nodeModules: (await packageSource(path.join(REPO, "node_modules"))).zip, largeFiles: (await packageSource(big)).zip };
    const results: Record<string, unknown> = {};
    for (const [name, zip] of Object.entries(zips)) {
      const names = (await readZip(zip)).map((e) => e.name);
      const wanted = names[names.length - 1];
      let n = 0;
      const out = () => path.join(scratch, `x${n++}`);
      const r = {
        files: names.length, zipMB: zip.length / MB,
        verify: { ours: await median(rounds, () => verifyZip(zip)), yauzl: await median(rounds, () => yauzlVerify(zip)) },
        read: { ours: await median(rounds, () => readZip(zip, (x) => x === wanted)), yauzl: await median(rounds, () => yauzlRead(zip, wanted)) },
        extract: { ours: await median(rounds, () => extractZip(zip, out())), yauzl: await median(rounds, () => yauzlExtract(zip, out())) },
      };
      results[name] = r;
      log(`${name}: ${r.files} entries, ${r.zipMB.toFixed(1)} MB zip (median of ${rounds}, ms, ours vs yauzl)`);
      for (const job of ["verify", "read", "extract"] as const) {
        log(`  ${job.padEnd(8)} ${r[job].ours.toFixed(0).padStart(6)} vs ${r[job].yauzl.toFixed(0).padStart(6)}  = ${(r[job].ours / r[job].yauzl).toFixed(2)}x`);
      }
      for (let i = 0; i < n; i++) fs.rmSync(path.join(scratch, `x${i}`), { recursive: true, force: true });
    }
    return results;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runZipReaderBench({ zips: process.argv.slice(2) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
