/**
 * Peak memory while packaging and deploying a code zip: a child process (the plugin's part) configures the
 * lifecycle module, runs `check` then `create` of one function whose source is incompressible bytes (so the zip
 * is as big: imported as a placeholder, then `PUT …/code` with the Base64 body for 45 MB, or staged in the
 * emulator's OBS with `viaObs`, e.g. 280 MB, near the 300 MB limit) against an emulator running in the parent
 * with `limits: { codeUploadBytes: 60 MB }`, and reports its peak RSS (and its RSS before the create). Target:
 * <= 200 MB for any package up to the OBS limit.
 *
 * Run: `node dist/bench/upload-memory.js` (or through `npm run bench`).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { peakRss } from "./peak-rss";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";

const MB = 1e6;

export interface UploadMemoryResult {
  /** "inline" (`PUT …/code` with the Base64 body) or "obs" (staged in the emulator's OBS, multipart). */
  path: "inline" | "obs";
  zipBytes: number;
  rssBeforeBytes: number;
  peakRssBytes: number;
  createSeconds: number;
  /** The target for `peakRssBytes`: 200 MB whatever the package's size (up to the 300 MB OBS limit). */
  budgetBytes: number;
}

/** The plugin's peak RSS target for deploying any package up to the 300 MB OBS limit (issue 27). */
export const PLUGIN_PEAK_TARGET = 200 * 1e6;


/** The child: configure, check, create; prints one JSON line. */
async function child(): Promise<void> {
  const lifecycle = require("../provider/resource/lifecycle") as typeof import("../provider/resource/lifecycle");
  const cfg = JSON.parse(process.env.FGS_BENCH_CONFIG!) as Record<string, string>;
  await lifecycle.configure({ config: { get: (k: string) => cfg[k] } });
  const news = { sourceDir: process.env.FGS_BENCH_SOURCE!, runtime: "Node.js18.15", handler: "index.handler", funcName: "bench-upload" };
  const checked = await lifecycle.check({}, news);
  if (checked.failures?.length) throw new Error(JSON.stringify(checked.failures));
  const rssBeforeBytes = peakRss();
  const start = performance.now();
  const created = await lifecycle.create(checked.inputs);
  const createSeconds = (performance.now() - start) / 1000;
  const outs = created.outs as Record<string, unknown>;
  process.stdout.write(JSON.stringify({ codeSize: outs.codeSize, rssBeforeBytes, peakRssBytes: peakRss(), createSeconds }) + "\n");
  process.exit(0);
}

export async function runUploadMemoryBench(opts: { log?: (line: string) => void; zipMB?: number; viaObs?: boolean } = {}): Promise<UploadMemoryResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { startEmulator } = require("../emulator") as typeof import("../emulator");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-upload-"));
  const emu = await startEmulator({ quiet: true, limits: { codeUploadBytes: 60 * MB } });
  try {
    const total = (opts.zipMB ?? 45) * MB;
    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 'ok';\n");
    // 5 MB files of random bytes (stored: the zip is as big as the source).
    const parts = Math.max(1, Math.round(total / (5 * MB)));
    for (let i = 0; i < parts; i++) fs.writeFileSync(path.join(dir, `blob-${i}.bin`), crypto.randomBytes(Math.floor(total / parts)));
    const config: Record<string, string> = {
      "functiongraph:endpoint": emu.url, "functiongraph:region": emu.region, "functiongraph:projectId": emu.projectId,
      "functiongraph:accessKey": emu.credentials.accessKey, "functiongraph:secretKey": emu.credentials.secretKey,
    };
    if (opts.viaObs) {
      await emu.obs.createBucket("bench-packages");
      Object.assign(config, { "functiongraph:obsEndpoint": emu.obs.url, "functiongraph:codeBucket": "bench-packages" });
    }
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [__filename, "--child"], {
        env: { ...process.env, FGS_QUIET: "1", FGS_BENCH_CONFIG: JSON.stringify(config), FGS_BENCH_SOURCE: dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`upload-memory child exited ${code}: ${stderr}`))));
    });
    const r = JSON.parse(out.trim().split("\n").pop()!) as { codeSize: number; rssBeforeBytes: number; peakRssBytes: number; createSeconds: number };
    const writes = emu.requests({ writesOnly: true }).map((e) => e.operation);
    const zipBytes = emu.functions()[0]?.code_size ?? r.codeSize;
    const budget = PLUGIN_PEAK_TARGET;
    const via = opts.viaObs ? "obs" : "inline";
    log(`upload memory (${via}): ${(zipBytes / MB).toFixed(1)} MB zip (${writes.join(" + ")}) in ${r.createSeconds.toFixed(2)} s; ` +
      `plugin peak RSS ${(r.peakRssBytes / MB).toFixed(0)} MB (${(r.rssBeforeBytes / MB).toFixed(0)} MB before the create) = ` +
      `${(r.peakRssBytes / zipBytes).toFixed(2)}x the zip (target <= ${(budget / MB).toFixed(0)} MB: ${r.peakRssBytes <= budget ? "meets" : "MISSES"})`);
    return { path: via, zipBytes, rssBeforeBytes: r.rssBeforeBytes, peakRssBytes: r.peakRssBytes, createSeconds: r.createSeconds, budgetBytes: budget };
  } finally {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === "--child") {
    child().catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    runUploadMemoryBench().then((r) => console.log(JSON.stringify(r)), (e) => {
      console.error(e);
      process.exit(1);
    });
  }
}
