/**
 * Invocation benchmark, side by side in one run:
 *  - cold start: the first sync invocation of a fresh function version (new instance: spawn the runner, load
 *    the handler, run the call, answer over HTTP) against a bare `node -e` process start and exit, measured in
 *    alternating pairs;
 *  - warm calls: p50/p99 of sync invocations on a warm instance (signed HTTP request → emulator → runner over
 *    the pipe protocol → answer) against calling the same handler directly in-process;
 *  - the sandbox's cost: the same cold starts (Node.js and Python) and warm calls on a second emulator started
 *    with `unsafeNoSandbox` (what the emulator did before the bubblewrap sandbox), interleaved round by round
 *    with the sandboxed one; both run the same interpreters (printed). Targets: a sandboxed cold start at most
 *    1.5× the unsandboxed one, warm calls no slower. Each round's two cold starts run back to back, so the median
 *    of the per-round ratios is printed beside the ratio of the medians (a shared machine's load drifts between rounds).
 * Printed as absolute numbers and ratios; never asserted (the machine is shared and noisy).
 *
 * Run: `node dist/bench/invoke.js [rounds]` (or through `npm run bench -- --only=invoke`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { pythonInterpreter } from "../emulator/runtime/interpreters";
import { resolveRuntimeOptions } from "../emulator/runtime/options";
import { closeDispatchers, invokeFunction } from "../provider/api";
import { writeStoredZip } from "../provider/api/stored-zip";

const HANDLER = "exports.handler = async (event, context) => ({ echo: event.n, id: context.getRequestID() });\n";
const PY_HANDLER = "def handler(event, context):\n    return {'echo': event['n'], 'id': context.getRequestID()}\n";

/** A code zip of text files (the project's stored-zip writer: no modes needed here). */
async function zipOf(files: Record<string, string>): Promise<Buffer> {
  return writeStoredZip(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data) })));
}

/** The median of `sandbox[i] / unsafe[i]`: each round's ratio of two starts made back to back. */
function medianRoundRatio(sandbox: number[], unsafe: number[]): number {
  return percentile(sandbox.map((s, i) => s / unsafe[i]), 50);
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`);

/** Runs the benchmark and returns its numbers (ms). */
export async function runInvokeBench(opts: { rounds?: number; warmCalls?: number; log?: (line: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const rounds = opts.rounds ?? 16;
  const warmCalls = opts.warmCalls ?? 300;
  const emu = await startEmulator({ quiet: true, runtime: { idleMs: 600_000 } });
  const unsafe = await startEmulator({ quiet: true, runtime: { idleMs: 600_000, unsafeNoSandbox: true } });
  const target = { endpoint: emu.url, projectId: emu.projectId, credentials: { kind: "aksk" as const, ...emu.credentials } };
  const unsafeTarget = { endpoint: unsafe.url, projectId: unsafe.projectId, credentials: { kind: "aksk" as const, ...unsafe.credentials } };
  const code = await zipOf({ "index.js": HANDLER });
  const pyCode = await zipOf({ "index.py": PY_HANDLER });
  try {
    // Sandbox vs no sandbox, round by round: cold starts of Node.js and Python, then warm calls in alternating blocks.
    const sides = [{ name: "sandbox", emu, target }, { name: "unsafe", emu: unsafe, target: unsafeTarget }] as const;
    const coldBy: Record<string, number[]> = { "sandbox node": [], "unsafe node": [], "sandbox python": [], "unsafe python": [] };
    for (const side of sides) {
      await side.emu.seedFunction({ func_name: "cmp-warm", code });
      await side.emu.seedFunction({ func_name: "cmp-py-warm", code: pyCode, runtime: "Python3.10" });
      await invokeFunction(side.target, "cmp-warm", { n: 0 }, { log: false });
      await invokeFunction(side.target, "cmp-py-warm", { n: 0 }, { log: false });
    }
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        for (const [lang, zip, runtime] of [["node", code, undefined], ["python", pyCode, "Python3.10"]] as const) {
          const name = `cmp-cold-${lang}-${i}`;
          await side.emu.seedFunction({ func_name: name, code: zip, ...(runtime ? { runtime } : {}) });
          const t = performance.now();
          const r = await invokeFunction(side.target, name, { n: i }, { log: false });
          coldBy[`${side.name} ${lang}`].push(performance.now() - t);
          if (r.kind !== "sync" || !r.ok) throw new Error(`${side.name} ${lang} cold invocation failed: ${JSON.stringify(r)}`);
        }
      }
    }
    const warmBy: Record<string, number[]> = { sandbox: [], unsafe: [] };
    for (let block = 0; block < Math.ceil(warmCalls / 25); block++) {
      for (const side of block % 2 === 0 ? sides : [...sides].reverse()) {
        for (let i = 0; i < 25; i++) {
          const t = performance.now();
          await invokeFunction(side.target, "cmp-warm", { n: i }, { log: false });
          warmBy[side.name].push(performance.now() - t);
        }
      }
    }
    const sandboxCost = {
      coldNodeMs: { sandbox: percentile(coldBy["sandbox node"], 50), unsafe: percentile(coldBy["unsafe node"], 50) },
      coldPythonMs: { sandbox: percentile(coldBy["sandbox python"], 50), unsafe: percentile(coldBy["unsafe python"], 50) },
      warmMs: {
        sandbox: { p50: percentile(warmBy.sandbox, 50), p99: percentile(warmBy.sandbox, 99) },
        unsafe: { p50: percentile(warmBy.unsafe, 50), p99: percentile(warmBy.unsafe, 99) },
      },
      coldNodeRatio: percentile(coldBy["sandbox node"], 50) / percentile(coldBy["unsafe node"], 50),
      coldPythonRatio: percentile(coldBy["sandbox python"], 50) / percentile(coldBy["unsafe python"], 50),
      warmP50Ratio: percentile(warmBy.sandbox, 50) / percentile(warmBy.unsafe, 50),
      coldNodeRoundRatio: medianRoundRatio(coldBy["sandbox node"], coldBy["unsafe node"]),
      coldPythonRoundRatio: medianRoundRatio(coldBy["sandbox python"], coldBy["unsafe python"]),
    };
    const defaults = resolveRuntimeOptions(); // what both emulators run
    log(`sandbox cost, both sides running Node.js ${defaults.nodeCommand} and Python ${pythonInterpreter(defaults.pythonCommand).executable}`);
    log(`sandbox cost, cold start p50 of ${rounds}: Node.js ${fmt(sandboxCost.coldNodeMs.sandbox)} vs unsandboxed ` +
      `${fmt(sandboxCost.coldNodeMs.unsafe)} → ${sandboxCost.coldNodeRatio.toFixed(2)}×; Python ${fmt(sandboxCost.coldPythonMs.sandbox)} vs ` +
      `${fmt(sandboxCost.coldPythonMs.unsafe)} → ${sandboxCost.coldPythonRatio.toFixed(2)}× (target ≤ 1.5×); median of the per-round ratios: ` +
      `Node.js ${sandboxCost.coldNodeRoundRatio.toFixed(2)}×, Python ${sandboxCost.coldPythonRoundRatio.toFixed(2)}×`);
    log(`sandbox cost, warm call (${warmBy.sandbox.length} each): p50 ${fmt(sandboxCost.warmMs.sandbox.p50)} (p99 ` +
      `${fmt(sandboxCost.warmMs.sandbox.p99)}) vs unsandboxed p50 ${fmt(sandboxCost.warmMs.unsafe.p50)} (p99 ` +
      `${fmt(sandboxCost.warmMs.unsafe.p99)}) → ${sandboxCost.warmP50Ratio.toFixed(2)}× (target: no slower)`);

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
      sandboxCost,
    };
    log(`cold start (first call of a new function, p50 of ${rounds}): ${fmt(result.coldStartMs.p50)} vs bare \`node -e\` start ` +
      `${fmt(result.bareNodeStartMs.p50)} → ${result.coldVsBareNode.toFixed(2)}×`);
    log(`warm call (${warmCalls} sync invocations over HTTP): p50 ${fmt(result.warmMs.p50)}, p99 ${fmt(result.warmMs.p99)} ` +
      `vs direct in-process call p50 ${fmt(result.directMs.p50)}, p99 ${fmt(result.directMs.p99)} → p50 ${result.warmVsDirectP50.toFixed(0)}×`);
    return result;
  } finally {
    await closeDispatchers();
    await emu.close();
    await unsafe.close();
  }
}

if (require.main === module) {
  runInvokeBench({ rounds: process.argv[2] ? Number(process.argv[2]) : undefined }).then((r) => console.log(JSON.stringify(r)), (e) => {
    console.error(e);
    process.exit(1);
  });
}
