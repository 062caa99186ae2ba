/**
 * No-op preview benchmark: one function whose sourceDir is the packaging benchmark's tree (>= 20,000 files,
 * >= 200 MB). After a real create against the emulator, measures what a preview of the unchanged function costs:
 * `check` (hashSource + preflight) + `diff` (one drift GET) called in-process on the lifecycle module, with the
 * parts timed separately (hashSource alone, the diff alone); then, for context, the same preview through the
 * engine harness (plugin start, program under mocks, gRPC). Target for check+diff: <= 0.6 s.
 *
 * Run: `node dist/bench/preview.js [treeDir]` (default tree: bench/.scratch/packaging-tree, built by the
 * packaging bench), or through `npm run bench`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { runStack } from "../harness";
import { emulatorConfig } from "../bin/commands/demo";
import { hashSource } from "../provider/package";
import * as lifecycle from "../provider/resource/lifecycle";

const REPO = path.resolve(__dirname, "..", "..");
export const DEFAULT_TREE = path.join(REPO, "bench", ".scratch", "packaging-tree");
const LIMIT = 400 * 1e6;

export interface PreviewBenchOptions {
  treeDir?: string;
  rounds?: number;
  /** Also time a preview through the engine harness (default true). */
  harness?: boolean;
  log?: (line: string) => void;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed<T>(fn: () => Promise<T>): Promise<{ s: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { s: (performance.now() - start) / 1000, value };
}

/**
 * Writes a handler module into the tree (the handler check reads the handler's file at preview, and the copied
 * packages' index.js files export no `handler`) and returns the handler name.
 */
export function benchHandler(tree: string): string {
  const dir = path.join(tree, "bench-handler");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => ({ statusCode: 200 });\n");
  return "bench-handler/index.handler";
}

export async function runPreviewBench(opts: PreviewBenchOptions = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const tree = path.resolve(opts.treeDir ?? DEFAULT_TREE);
  if (!fs.existsSync(tree)) throw new Error(`${tree} does not exist: run the packaging bench first (node dist/bench/packaging.js)`);
  const rounds = opts.rounds ?? 5;
  const env = { FGS_CODE_LIMIT_BYTES: String(LIMIT), FGS_QUIET: "1" };
  // Put back when done: the parts after this one (`npm run bench`) start children with this process's
  // environment, and a raised code limit sent the OBS deploy's 280 MB package inline.
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const emu = await startEmulator({ quiet: true, limits: { codeUploadBytes: LIMIT } });
  try {
    const cfg: Record<string, string> = {
      "functiongraph:endpoint": emu.url, "functiongraph:region": emu.region, "functiongraph:projectId": emu.projectId,
      "functiongraph:accessKey": emu.credentials.accessKey, "functiongraph:secretKey": emu.credentials.secretKey,
    };
    await lifecycle.configure({ config: { get: (k: string) => cfg[k] } });
    const handler = benchHandler(tree);
    const news = { sourceDir: tree, runtime: "Node.js18.15", handler, funcName: "bench-preview", useIgnoreFiles: false };
    const first = await timed(() => lifecycle.check({}, news));
    if (first.value.failures?.length) throw new Error(`check failed: ${JSON.stringify(first.value.failures)}`);
    const created = await timed(() => lifecycle.create(first.value.inputs));
    const inputs = first.value.inputs;
    const outs = created.value.outs as Record<string, unknown>;
    log(`preview: created one function from ${inputs.fileCount} files (${((inputs.sourceBytes as number) / 1e6).toFixed(1)} MB) ` +
      `in ${created.s.toFixed(2)} s (first check ${first.s.toFixed(2)} s)`);

    const t: Record<string, number[]> = { checkPlusDiff: [], check: [], diff: [], hashSource: [], checkNoHashCache: [] };
    for (let r = 0; r < rounds; r++) {
      emu.clearLog();
      const c = await timed(() => lifecycle.check(inputs, news));
      const d = await timed(() => lifecycle.diff(created.value.id, outs, c.value.inputs));
      if (d.value.changes) throw new Error(`the no-op preview found changes: ${JSON.stringify(d.value)}`);
      if (emu.requests({ writesOnly: true }).length) throw new Error("the preview wrote");
      t.check.push(c.s);
      t.diff.push(d.s);
      t.checkPlusDiff.push(c.s + d.s);
      t.hashSource.push((await timed(() => hashSource(tree, { useIgnoreFiles: false }))).s);
      process.env.FGS_HASH_CACHE = "0"; // the same check re-reading and hashing every file
      t.checkNoHashCache.push((await timed(() => lifecycle.check(inputs, news))).s);
      delete process.env.FGS_HASH_CACHE;
    }
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
    const verdict = m.checkPlusDiff <= 0.6 ? "meets" : "MISSES";
    log(`preview: no-op check+diff ${m.checkPlusDiff.toFixed(3)} s (median of ${rounds}; target <= 0.6 s: ${verdict}) = ` +
      `check ${m.check.toFixed(3)} s (walk + stat + hash-cache hits) + diff ${m.diff.toFixed(3)} s (one GET); ` +
      `without the hash cache check takes ${m.checkNoHashCache.toFixed(3)} s (hashSource alone, no cache: ${m.hashSource.toFixed(3)} s)`);

    let harness: Record<string, number> | undefined;
    if (opts.harness !== false) {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-preview-"));
      try {
        const run = (operation: "up" | "preview") => runStack({
          operation,
          program: path.join(REPO, "dist", "tests", "engine", "fixtures", "many", "index.js"),
          project: "many",
          backendDir: path.join(root, "backend"),
          pluginCwd: REPO,
          config: { ...emulatorConfig(emu), "many:count": { value: "1" }, "many:sourceDir": { value: tree }, "many:handler": { value: handler } },
          env,
          onOutput: () => {},
        });
        const up = await timed(() => run("up"));
        const pv = await timed(() => run("preview"));
        if (pv.value.counts.same !== 1) throw new Error(`harness preview: ${JSON.stringify(pv.value.counts)}`);
        harness = { up: up.s, preview: pv.s };
        log(`preview: through the engine harness (plugin process + program + gRPC): up ${up.s.toFixed(2)} s, no-op preview ${pv.s.toFixed(2)} s`);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    }
    return { files: inputs.fileCount, bytes: inputs.sourceBytes, rounds, seconds: m, createSeconds: created.s, harness, target: "checkPlusDiff <= 0.6 s", meets: verdict === "meets" };
  } finally {
    await emu.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

if (require.main === module) {
  runPreviewBench({ treeDir: process.argv[2] }).then((r) => console.log(JSON.stringify(r)), (e) => {
    console.error(e);
    process.exit(1);
  });
}
