/**
 * OBS staging of a 250 MB package: throughput and peak memory, side by side in the same run.
 *
 *  - `stage`:  a child process stages a 250 MB zip file (stored entries of random bytes: incompressible) with
 *              `stageFile` — 16 MB parts, 4 in flight, streamed from the file — against the emulator's OBS in
 *              the parent; then stages it again (HEAD finds it: nothing sent).
 *  - `buffer`: the naive way for comparison: a child reads the whole zip into memory and PUTs it in one request.
 *
 * Reported: MB/s, peak RSS (VmHWM of the child) and RSS before staging, and the ratios stage/buffer.
 * Run: `node dist/bench/obs-staging.js` (or `npm run bench -- --only=obs`).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { peakRss } from "./peak-rss";

const MB = 1e6;

/** One child's measurements. */
interface ChildResult {
  mode: "stage" | "buffer";
  bytes: number;
  seconds: number;
  rssBeforeBytes: number;
  peakRssBytes: number;
  /** Second staging (HEAD → skip), stage mode only. */
  againSeconds?: number;
  againUploaded?: boolean;
}

/** What the benchmark reports. */
export interface ObsStagingResult {
  zipBytes: number;
  stage: ChildResult;
  buffer: ChildResult;
  throughputMBps: { stage: number; buffer: number };
  peakRatio: number;
}

async function child(mode: "stage" | "buffer"): Promise<void> {
  const { ObsClient } = require("../provider/obs/client") as typeof import("../provider/obs/client");
  const { stageFile } = require("../provider/obs/stage") as typeof import("../provider/obs/stage");
  const cfg = JSON.parse(process.env.FGS_BENCH_OBS!) as { endpoint: string; ak: string; sk: string; file: string };
  const client = new ObsClient({ endpoint: cfg.endpoint, credentials: { kind: "aksk", accessKey: cfg.ak, secretKey: cfg.sk } });
  const rssBeforeBytes = peakRss();
  const bytes = fs.statSync(cfg.file).size;
  const start = performance.now();
  const out: ChildResult = { mode, bytes, seconds: 0, rssBeforeBytes, peakRssBytes: 0 };
  if (mode === "stage") {
    await stageFile(client, { bucket: "bench", key: "staged.zip", file: cfg.file });
    out.seconds = (performance.now() - start) / 1000;
    const again = performance.now();
    const r = await stageFile(client, { bucket: "bench", key: "staged.zip", file: cfg.file });
    out.againSeconds = (performance.now() - again) / 1000;
    out.againUploaded = r.uploaded;
  } else {
    const data = fs.readFileSync(cfg.file);
    await client.putObject("bench", "buffered.zip", data);
    out.seconds = (performance.now() - start) / 1000;
  }
  out.peakRssBytes = peakRss();
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

function runChild(mode: "stage" | "buffer", config: object): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [__filename, `--child=${mode}`], {
      env: { ...process.env, FGS_QUIET: "1", FGS_BENCH_OBS: JSON.stringify(config) }, stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split("\n").pop()!)) : reject(new Error(`obs-staging child (${mode}) exited ${code}: ${stderr}`))));
  });
}

/** Runs the benchmark (a 250 MB zip by default). */
export async function runObsStagingBench(opts: { log?: (line: string) => void; zipMB?: number } = {}): Promise<ObsStagingResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { startEmulator } = require("../emulator") as typeof import("../emulator");
  const { writeStoredZip } = require("../provider/api/stored-zip") as typeof import("../provider/api/stored-zip");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-obs-"));
  const emu = await startEmulator({ quiet: true });
  try {
    const file = path.join(dir, "package.zip");
    const total = (opts.zipMB ?? 250) * MB;
    const entries = Array.from({ length: 10 }, (_, i) => ({ name: `vendor/blob-${i}.bin`, data: crypto.randomBytes(Math.floor(total / 10)) }));
    fs.writeFileSync(file, writeStoredZip([{ name: "index.js", data: Buffer.from("exports.handler = async () => 1;\n") }, ...entries]));
    entries.length = 0;
    await emu.obs.createBucket("bench");
    const config = { endpoint: emu.obs.url, ak: emu.credentials.accessKey, sk: emu.credentials.secretKey, file };
    // Side by side: buffer, stage, in one run on the same machine state.
    const buffer = await runChild("buffer", config);
    const stage = await runChild("stage", config);
    const zipBytes = stage.bytes;
    const mbps = (r: ChildResult) => zipBytes / MB / r.seconds;
    const parts = emu.obs.requests({ operation: "uploadPart" }).length;
    log(`obs staging: ${(zipBytes / MB).toFixed(1)} MB zip in ${parts} parts: ${stage.seconds.toFixed(2)} s = ${mbps(stage).toFixed(1)} MB/s, ` +
      `peak RSS ${(stage.peakRssBytes / MB).toFixed(0)} MB (${(stage.rssBeforeBytes / MB).toFixed(0)} MB before staging); ` +
      `again: ${stage.againUploaded ? "UPLOADED AGAIN" : "found by HEAD, nothing sent"} in ${stage.againSeconds!.toFixed(3)} s`);
    log(`whole-buffer PUT (comparison): ${buffer.seconds.toFixed(2)} s = ${mbps(buffer).toFixed(1)} MB/s, peak RSS ${(buffer.peakRssBytes / MB).toFixed(0)} MB`);
    log(`staging vs whole-buffer PUT: ${(stage.peakRssBytes / buffer.peakRssBytes).toFixed(2)}x the peak memory, ${(mbps(stage) / mbps(buffer)).toFixed(2)}x the throughput`);
    return {
      zipBytes, stage, buffer, throughputMBps: { stage: mbps(stage), buffer: mbps(buffer) },
      peakRatio: stage.peakRssBytes / buffer.peakRssBytes,
    };
  } finally {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const mode = process.argv.find((a) => a.startsWith("--child="))?.slice(8);
  if (mode === "stage" || mode === "buffer") {
    child(mode).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    runObsStagingBench().then((r) => console.log(JSON.stringify({ ...r, stage: undefined, buffer: undefined, throughputMBps: r.throughputMBps })), (e) => {
      console.error(e);
      process.exit(1);
    });
  }
}
