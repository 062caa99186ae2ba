/**
 * Invocation benchmark, side by side in one run:
 *  - cold start: the first sync invocation of a fresh function version (new instance: spawn the runner, load
 *    the handler, run the call, answer over HTTP) against a bare `node -e` process start and exit, measured in
 *    alternating pairs;
 *  - warm calls: p50/p99 of sync invocations on a warm instance (signed HTTP request → emulator → runner over
 *    the pipe protocol → answer) against calling the same handler directly in-process.
 * Printed as absolute numbers and ratios; never asserted (the machine is shared and noisy).
 *
 * Run: `node dist/bench/invoke.js [rounds]` (or through `npm run bench -- --only=invoke`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { closeDispatchers, invokeFunction } from "../provider/api";
import { writeStoredZip } from "../provider/api/stored-zip";

const HANDLER = "exports.handler = async (event, context) => ({ echo: event.n, id: context.getRequestID() });\n";

/** A code zip of text files (the project's stored-zip writer: no modes needed here). */
async function zipOf(files: Record<string, string>): Promise<Buffer> {
  return writeStoredZip(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data) })));
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`);

/** Runs the benchmark and returns its numbers (ms). */
export async function runInvokeBench(opts: { rounds?: number; warmCalls?: number; log?: (line: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const rounds = opts.rounds ?? 8;
  const warmCalls = opts.warmCalls ?? 300;
  const emu = await startEmulator({ quiet: true, runtime: { idleMs: 600_000 } });
  const target = { endpoint: emu.url, projectId: emu.projectId, credentials: { kind: "aksk" as const, ...emu.credentials } };
  const code = await zipOf({ "index.js": HANDLER });
  try {
    // Unpack the code once (shared by every function with the same digest), so cold starts measure instances.
    await emu.seedFunction({ func_name: "bench-warmup", code });
    await invokeFunction(target, "bench-warmup", { n: 0 });

    const cold: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await emu.seedFunction({ func_name: `bench-cold-${i}`, code });
      let t = performance.now();
      const r = await invokeFunction(target, `bench-cold-${i}`, { n: i }, { log: false });
      cold.push(performance.now() - t);
      if (r.kind !== "sync" || !r.ok) throw new Error(`cold invocation failed: ${JSON.stringify(r)}`);
      t = performance.now();
      // The same clean environment the instances get (e.g. NODE_EXTRA_CA_CERTS alone adds ~250 ms to a start).
      const p = spawnSync(process.execPath, ["-e", ""], { stdio: "ignore", env: { PATH: "/usr/local/bin:/usr/bin:/bin" } });
      bare.push(performance.now() - t);
      if (p.status !== 0) throw new Error("node -e failed");
    }

    const warm: number[] = [];
    for (let i = 0; i < 20; i++) await invokeFunction(target, "bench-warmup", { n: i }, { log: false });
    for (let i = 0; i < warmCalls; i++) {
      const t = performance.now();
      await invokeFunction(target, "bench-warmup", { n: i }, { log: false });
      warm.push(performance.now() - t);
    }

    // The same handler called directly in this process, with a comparable context object.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-invoke-"));
    fs.writeFileSync(path.join(dir, "index.js"), HANDLER);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const handler = (require(path.join(dir, "index.js")) as { handler: (e: unknown, c: unknown) => Promise<unknown> }).handler;
    const direct: number[] = [];
    for (let i = 0; i < warmCalls + 20; i++) {
      const t = performance.now();
      const out = await handler(JSON.parse(JSON.stringify({ n: i })), { getRequestID: () => "direct" });
      JSON.stringify(out);
      if (i >= 20) direct.push(performance.now() - t);
    }
    fs.rmSync(dir, { recursive: true, force: true });

    const result = {
      rounds, warmCalls,
      coldStartMs: { p50: percentile(cold, 50), min: Math.min(...cold), max: Math.max(...cold) },
      bareNodeStartMs: { p50: percentile(bare, 50), min: Math.min(...bare), max: Math.max(...bare) },
      coldVsBareNode: percentile(cold, 50) / percentile(bare, 50),
      warmMs: { p50: percentile(warm, 50), p99: percentile(warm, 99) },
      directMs: { p50: percentile(direct, 50), p99: percentile(direct, 99) },
      warmVsDirectP50: percentile(warm, 50) / percentile(direct, 50),
    };
    log(`cold start (first call of a new function, p50 of ${rounds}): ${fmt(result.coldStartMs.p50)} vs bare \`node -e\` start ` +
      `${fmt(result.bareNodeStartMs.p50)} → ${result.coldVsBareNode.toFixed(2)}×`);
    log(`warm call (${warmCalls} sync invocations over HTTP): p50 ${fmt(result.warmMs.p50)}, p99 ${fmt(result.warmMs.p99)} ` +
      `vs direct in-process call p50 ${fmt(result.directMs.p50)}, p99 ${fmt(result.directMs.p99)} → p50 ${result.warmVsDirectP50.toFixed(0)}×`);
    return result;
  } finally {
    await closeDispatchers();
    await emu.close();
  }
}

if (require.main === module) {
  runInvokeBench({ rounds: process.argv[2] ? Number(process.argv[2]) : undefined }).then((r) => console.log(JSON.stringify(r)), (e) => {
    console.error(e);
    process.exit(1);
  });
}
