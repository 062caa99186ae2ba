/**
 * `npm run bench`: every benchmark side by side in one run, on the same machine state, printing ratios and
 * absolute numbers (benchmarks are never timed tests):
 *  1. packaging (bench/packaging.ts): packageSource vs `zip -X -r -q` vs archiver `directory()` on a tree of
 *     >= 20,000 files / >= 200 MB, hashSource vs plain reads, peak RSS of packageSource;
 *  2. no-op preview (bench/preview.ts): check + diff of one function on that tree (target <= 0.6 s), plus the same
 *     preview through the engine harness;
 *  3. edit cycle (bench/edit-cycle.ts): preview after an edit and a first preview vs a naive SHA512 of the tree,
 *     up after an edit vs packageSource, the emulator's ingest rate while it answers reads;
 *  4. upload memory (bench/upload-memory.ts): peak RSS of a child packaging and uploading a 45 MB zip inline
 *     (placeholder import, then `PUT …/code`) and a 9.5 MB one imported whole,
 *     and (`upload-obs`) a 280 MB one through OBS (target <= 200 MB); `packaging-rss`: peak RSS of packageSource
 *     on the project's node_modules, with no cache and with one (target <= 150 MB);
 *  5. stack (bench/stack.ts): 50 functions, up then a no-op up;
 *  6. invoke (bench/invoke.ts): cold start vs a bare `node -e`, warm-call p50/p99 vs a direct in-process call;
 *  7. OBS staging (bench/obs-staging.ts): throughput and peak RSS staging a 250 MB package, vs a whole-buffer PUT;
 *  8. fresh runner (bench/fresh-runner.ts): on a copy of node_modules, every contender a new process with no
 *     cache: first preview vs a naive SHA512, packageSource CPU vs Info-ZIP's, first up vs Info-ZIP, ingest, peaks;
 *  9. ingest (bench/ingest.ts): the emulator's ingest rate of a `PUT …/code` of node_modules's zip timed on the wire
 *     with the signed body ready (first upload, first update, re-upload) and of an import (target >= 100 MB/s).
 * Results are also written to bench/.scratch/results.json. `--only=packaging,preview,edit,upload,upload-obs,packaging-rss,stack,invoke,obs,fresh,ingest` selects.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runPackagingBench, runPackagingPeakBench } from "./packaging";
import { DEFAULT_TREE, runPreviewBench } from "./preview";
import { runUploadMemoryBench } from "./upload-memory";
import { runEditCycleBench } from "./edit-cycle";
import { runStackBench } from "./stack";
import { runInvokeBench } from "./invoke";
import { runObsStagingBench } from "./obs-staging";
import { runFreshRunnerBench } from "./fresh-runner";
import { runIngestBench } from "./ingest";

const REPO = path.resolve(__dirname, "..", "..");

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
  const want = (k: string) => !only || only.includes(k);
  const log = (l: string) => console.log(l);
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
  log(`# pulumi-functiongraph benchmarks — node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  // The caches the resource layer keeps per source directory (digests, the last package: FGS_CACHE_DIR) go to a
  // directory of this run, removed at its end: the trees are big, and their caches are not the user's.
  const runCaches = process.env.FGS_CACHE_DIR === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-caches-")) : undefined;
  if (runCaches) process.env.FGS_CACHE_DIR = runCaches;
  try {
    await runParts(want, log, results);
  } finally {
    if (runCaches) {
      delete process.env.FGS_CACHE_DIR;
      fs.rmSync(runCaches, { recursive: true, force: true });
    }
  }
  results.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  const out = path.join(REPO, "bench", ".scratch", "results.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  log(`\nresults: ${path.relative(REPO, out)}`);
}

/** Runs the selected parts in order, putting each one's numbers in `results`. */
async function runParts(want: (part: string) => boolean, log: (line: string) => void, results: Record<string, unknown>): Promise<void> {
  if (want("packaging")) {
    log("\n## packaging");
    results.packaging = await runPackagingBench({ log });
  }
  if (want("preview")) {
    log("\n## no-op preview");
    results.preview = await runPreviewBench({ treeDir: DEFAULT_TREE, log });
  }
  if (want("edit")) {
    log("\n## edit cycle");
    results.edit = await runEditCycleBench({ treeDir: DEFAULT_TREE, log });
  }
  if (want("upload")) {
    log("\n## upload memory");
    results.upload = await runUploadMemoryBench({ log });
    // Under the 10 MiB import limit the code goes in the import package itself (streamed from the spool too).
    results.uploadImport = await runUploadMemoryBench({ log, zipMB: 9.5 });
  }
  if (want("upload-obs")) {
    log("\n## deploy memory through OBS (280 MB package)");
    results.uploadObs = await runUploadMemoryBench({ log, zipMB: 280, viaObs: true });
  }
  if (want("packaging-rss")) {
    log("\n## packaging memory (node_modules)");
    results.packagingRss = runPackagingPeakBench({ log });
  }
  if (want("stack")) {
    log("\n## 50-function stack");
    results.stack = await runStackBench({ count: 50, log });
  }
  if (want("invoke")) {
    log("\n## invocation");
    results.invoke = await runInvokeBench({ log });
  }
  if (want("obs")) {
    log("\n## OBS staging");
    results.obs = await runObsStagingBench({ log });
  }
  if (want("fresh")) {
    log("\n## fresh runner (node_modules, new processes, no cache)");
    results.fresh = await runFreshRunnerBench({ log });
  }
  if (want("ingest")) {
    log("\n## emulator ingest (node_modules zip, signed body ready, timed on the wire)");
    results.ingest = await runIngestBench({ log });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
