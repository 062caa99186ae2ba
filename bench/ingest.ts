/**
 * The emulator's ingest rate of a code upload, as issue 27 defines it: on loopback, timed on the wire (request
 * start → response end) with the signed body ready in memory, the emulator in its own process
 * (bench/emulator-process.ts), a function created with a placeholder (`POST /import`, as `up` creates it).
 * The zip is the project's `node_modules` packaged by Info-ZIP (`zip -X -r`, thousands of entries, sizes in the
 * local headers as the provider's packager writes them). Cases, each a median of several rounds (zip bytes /
 * seconds), target >= 100 MB/s:
 *  - first: the first `PUT …/code` after the create, of a tree the fresh emulator never saw (nothing verified or
 *    memoized before);
 *  - edited: on that emulator, the next upload: the same tree with one file edited;
 *  - reupload: the same zip again;
 *  - import: `POST /import` of a zip under the 10 MiB import limit (part of the tree) to a fresh emulator, then
 *    the same package again under another name.
 * With `--against=<dist/emulator of another build>` every round runs on both builds alternately (side by side).
 *
 * The emulator's CPU seconds for each request (all its threads, from `/proc`) are printed too: on a loaded
 * machine they move less than the wall time.
 *
 * Run: `node dist/bench/ingest.js [--against=DIR] [--rounds=N] [--cpu-prof=DIR]`, or `npm run bench -- --only=ingest`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { signRequest } from "../provider/auth/sign-request";
import { buildImportPackage } from "../provider/api/import-package";
import { codeUploadBody } from "../provider/api/client";
import { urnPathSegment } from "../provider/api/urn";
import { readCentralDirectory } from "../emulator/zip/reader";
import { startEmulatorProcess, type EmulatorProcess, type EmulatorProcessOptions } from "./emulator-process";

const REPO = path.resolve(__dirname, "..", "..");
const MB = 1e6;
const LIMIT = 400 * MB;
/** The import package limit (emulator default, the service's): the import zip stays a margin below it. */
const IMPORT_ZIP_BYTES = 9.5 * 1024 * 1024;

/** Options of `runIngestBench`. */
export interface IngestBenchOptions {
  log?: (line: string) => void;
  rounds?: number;
  /** Another build's `dist/emulator`, run alternately with this one. */
  against?: string;
  /** Write each emulator process's CPU profile here (`--cpu-prof`). */
  cpuProfDir?: string;
}

/** A request prepared before timing: method, URL, the exact body. Signed just before it is sent (fresh `X-Sdk-Date`). */
interface Prepared {
  method: string;
  url: URL;
  body: Buffer;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Sends `req` signed for `emu`: seconds from request start to response end, and the emulator's CPU seconds meanwhile; throws unless 2xx. */
async function timed(emu: EmulatorProcess, req: Prepared): Promise<{ s: number; cpu: number; text: string }> {
  const headers = signRequest({ method: req.method, url: req.url, headers: {
    "Content-Type": "application/json", "X-Project-Id": emu.projectId, "Content-Length": String(req.body.length),
  }, body: req.body }, emu.credentials);
  const cpu = emu.cpuSeconds();
  const start = process.hrtime.bigint();
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const r = http.request(req.url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    r.on("error", reject);
    r.end(req.body);
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (status < 200 || status > 299) throw new Error(`${req.method} ${req.url.pathname}: ${status} ${text.slice(0, 300)}`);
  return { s: seconds, cpu: emu.cpuSeconds() - cpu, text };
}

function apiUrl(emu: EmulatorProcess, sub: string): URL {
  return new URL(`${emu.url}/v2/${encodeURIComponent(emu.projectId)}/fgs/functions${sub}`);
}

/** `PUT …/code` of `zip` for `urn`, body built as the provider's client builds it. */
function codeRequest(emu: EmulatorProcess, urn: string, zip: Buffer): Prepared {
  return { method: "PUT", url: apiUrl(emu, `/${urnPathSegment(urn)}/code`), body: codeUploadBody(zip, { codeFilename: "code.zip" }) };
}

/** `POST /import` of `zip` as function `name` (the provider's import package and request). */
function importRequest(emu: EmulatorProcess, name: string, zip: Buffer): Prepared {
  const { request } = buildImportPackage({ funcName: name, runtime: "Node.js18.15", handler: "index.handler" }, zip);
  return { method: "POST", url: apiUrl(emu, "/import"), body: Buffer.from(JSON.stringify(request), "utf8") };
}

/** The zips of the bench, built once per run in `dir`: the tree, the tree with one file edited, a part under the import limit. */
function buildZips(dir: string): { tree: Buffer; edited: Buffer; small: Buffer; placeholder: Buffer; entries: number } {
  const zip = (out: string, cwd: string, args: string[]) => execFileSync("zip", ["-X", "-r", "-q", out, ...args], { cwd, stdio: ["ignore", "ignore", "inherit"] });
  const treeZip = path.join(dir, "tree.zip");
  zip(treeZip, REPO, ["node_modules"]);
  // The edit: one file of the tree with other content, replacing its entry in a copy (Info-ZIP keeps the order).
  const listing = execFileSync("unzip", ["-Z1", treeZip], { encoding: "utf8", maxBuffer: 64 * MB }).split("\n").filter((n) => n && !n.endsWith("/"));
  const victim = listing[Math.floor(listing.length / 2)];
  const editDir = path.join(dir, "edit");
  fs.mkdirSync(path.dirname(path.join(editDir, victim)), { recursive: true });
  fs.writeFileSync(path.join(editDir, victim), `${fs.readFileSync(path.join(REPO, victim), "utf8")}\n// edited by bench/ingest.ts\n`);
  const editedZip = path.join(dir, "edited.zip");
  fs.copyFileSync(treeZip, editedZip);
  zip(editedZip, editDir, [victim]);
  // The import case: top-level packages in order, each taken while the zip's compressed bytes stay under the limit.
  const tree = fs.readFileSync(treeZip);
  const perPackage = new Map<string, number>();
  for (const e of readCentralDirectory(tree).entries) {
    const top = e.name.split("/").slice(0, e.name.startsWith("node_modules/@") ? 3 : 2).join("/");
    perPackage.set(top, (perPackage.get(top) ?? 0) + e.compressedSize + 2 * (46 + e.name.length));
  }
  const taken: string[] = [];
  let bytes = 0;
  for (const [top, size] of [...perPackage].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (top.endsWith("/") || bytes + size > IMPORT_ZIP_BYTES) continue;
    taken.push(top);
    bytes += size;
  }
  const smallZip = path.join(dir, "small.zip");
  zip(smallZip, REPO, taken);
  const placeholderZip = path.join(dir, "placeholder.zip");
  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 'placeholder';\n");
  zip(placeholderZip, dir, ["index.js"]);
  return { tree, edited: fs.readFileSync(editedZip), small: fs.readFileSync(smallZip), placeholder: fs.readFileSync(placeholderZip), entries: listing.length };
}

const CASES = ["first", "edited", "reupload", "import", "reimport"] as const;
type Case = (typeof CASES)[number];

/** One case's measure: MB/s on the wire, and the emulator's CPU seconds for the request. */
interface Measure {
  MBps: number;
  cpu: number;
}

/** One round on one build: two fresh emulators (code uploads, imports). */
async function round(zips: ReturnType<typeof buildZips>, n: number, proc: EmulatorProcessOptions): Promise<Record<Case, Measure>> {
  const out = {} as Record<Case, Measure>;
  const measure = async (emu: EmulatorProcess, c: Case, zip: Buffer, req: Prepared) => {
    const { s, cpu } = await timed(emu, req);
    out[c] = { MBps: zip.length / MB / s, cpu };
  };
  let emu = await startEmulatorProcess({ codeUploadBytes: LIMIT }, proc);
  try {
    // Created as `up` creates it: a placeholder import through the API (signed, verified like any code).
    const created = await timed(emu, importRequest(emu, `ingest-${n}`, zips.placeholder));
    const { func_urn } = JSON.parse(created.text) as { func_urn: string };
    const first = codeRequest(emu, func_urn, zips.tree);
    const update = codeRequest(emu, func_urn, zips.edited);
    await measure(emu, "first", zips.tree, first);
    await measure(emu, "edited", zips.edited, update);
    await measure(emu, "reupload", zips.edited, update);
  } finally {
    await emu.close();
  }
  emu = await startEmulatorProcess({ codeUploadBytes: LIMIT }, proc);
  try {
    await timed(emu, importRequest(emu, "placeholder", zips.placeholder)); // a create before, as in an `up` of several functions
    const a = importRequest(emu, `import-a-${n}`, zips.small);
    const b = importRequest(emu, `import-b-${n}`, zips.small);
    await measure(emu, "import", zips.small, a);
    await measure(emu, "reimport", zips.small, b);
  } finally {
    await emu.close();
  }
  return out;
}

/** Runs the ingest benchmark (see the file comment) and returns its numbers. */
export async function runIngestBench(opts: IngestBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const rounds = opts.rounds ?? 5;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-ingest-"));
  try {
    const zips = buildZips(scratch);
    log(`ingest: tree zip ${(zips.tree.length / MB).toFixed(1)} MB (${zips.entries} files), edited ${(zips.edited.length / MB).toFixed(1)} MB, ` +
      `import zip ${(zips.small.length / MB).toFixed(1)} MB; ${rounds} round(s)${opts.against ? `, alternating with ${opts.against}` : ""}; ` +
      `MB/s on the wire (the emulator's CPU seconds for the request)`);
    const builds: Record<string, EmulatorProcessOptions> = { this: {} };
    if (opts.against) builds.against = { emulatorDir: path.resolve(opts.against) };
    if (opts.cpuProfDir) for (const b of Object.values(builds)) b.execArgv = ["--cpu-prof", `--cpu-prof-dir=${path.resolve(opts.cpuProfDir)}`];
    const got: Record<string, Record<Case, Measure[]>> = {};
    for (const b of Object.keys(builds)) got[b] = Object.fromEntries(CASES.map((c) => [c, []])) as unknown as Record<Case, Measure[]>;
    const show = (m: Measure) => `${m.MBps.toFixed(0)} (${m.cpu.toFixed(2)})`;
    for (let n = 1; n <= rounds; n++) {
      // Alternate which build goes first, so neither always meets the machine in the same state.
      const order = n % 2 === 1 ? Object.keys(builds) : Object.keys(builds).reverse();
      for (const b of order) {
        const r = await round(zips, n, builds[b]);
        for (const c of CASES) got[b][c].push(r[c]);
        log(`  round ${n} ${b.padEnd(7)} ${CASES.map((c) => `${c} ${show(r[c])}`).join(", ")}; load ${os.loadavg()[0].toFixed(1)}`);
      }
    }
    const medians: Record<string, Record<Case, Measure>> = {};
    for (const b of Object.keys(builds)) {
      medians[b] = Object.fromEntries(CASES.map((c) => [c, {
        MBps: Number(median(got[b][c].map((m) => m.MBps)).toFixed(1)), cpu: Number(median(got[b][c].map((m) => m.cpu)).toFixed(2)),
      }])) as Record<Case, Measure>;
      const missed = CASES.filter((c) => medians[b][c].MBps < 100);
      log(`emulator ingest (${b}), median: ${CASES.map((c) => `${c} ${show(medians[b][c])}`).join(", ")} ` +
        `(target >= 100 MB/s: ${missed.length === 0 ? "met" : `missed by ${missed.join(", ")}`})`);
    }
    return { treeZipBytes: zips.tree.length, editedZipBytes: zips.edited.length, importZipBytes: zips.small.length, entries: zips.entries,
      rounds, measured: got, medians, target: ">= 100 MB/s" };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  runIngestBench({ against: arg("against"), rounds: arg("rounds") ? Number(arg("rounds")) : undefined, cpuProfDir: arg("cpu-prof") }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
