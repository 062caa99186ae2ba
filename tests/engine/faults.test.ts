/**
 * Fault injection through the engine harness: the real dynamic-provider plugin deploys the `many` fixture program
 * (N functions from stack config) to an emulator that injects 429/500/503/resets/latency, drops connections after
 * committing a write, is restarted from its data dir, or whose plugin process is killed mid-`up`. Every scenario
 * must converge: the desired functions exist exactly once, every resource in state has its outputs, and a
 * following `up` without faults makes no write call. Backoff is shortened with HW_RETRY_BASE_DELAY_MS.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../emulator";
import { backendPaths, loadState, runStack, startPlugin, StackRunError, type Plugin, type StackResult } from "../../harness";
import { emulatorConfig } from "../../bin/commands/demo";
import { REPO_ROOT } from "./fixtureStack";

const PROGRAM = path.join(__dirname, "fixtures/many/index.js");
const PROJECT = "many";
const PLUGIN_ENV = { HW_RETRY_BASE_DELAY_MS: "20", HW_MAX_RETRIES: "6" };

/** A throwaway stack of the `many` program: temp dir with a tiny Node.js app, state file, captured output. */
class ManyStack {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-faults-"));
  readonly app = path.join(this.root, "app");
  readonly backendDir = path.join(this.root, "backend");
  readonly stateFile = backendPaths(this.backendDir, PROJECT, "dev").checkpoint;
  readonly output: string[] = [];

  constructor(readonly emu: () => EmulatorHandle, readonly count: number) {
    fs.mkdirSync(this.app);
    fs.writeFileSync(path.join(this.app, "index.js"), "exports.handler = async () => ({ statusCode: 200, body: 'hi' });\n");
  }

  run(operation: "up" | "preview", opts: { plugin?: Plugin; env?: Record<string, string> } = {}): Promise<StackResult> {
    return runStack({
      operation,
      program: PROGRAM,
      project: PROJECT,
      backendDir: this.backendDir,
      pluginCwd: REPO_ROOT,
      config: {
        ...emulatorConfig(this.emu()),
        "many:count": { value: String(this.count) },
        "many:sourceDir": { value: this.app },
      },
      env: { ...PLUGIN_ENV, ...opts.env },
      plugin: opts.plugin,
      onOutput: (line) => this.output.push(line),
    });
  }

  /** Runs `up`; on a failed run returns the partial result instead of throwing. */
  async upAllowingFailure(opts: { plugin?: Plugin; env?: Record<string, string> } = {}): Promise<StackResult> {
    try {
      return await this.run("up", opts);
    } catch (e) {
      if (e instanceof StackRunError) return e.result;
      throw e;
    }
  }

  state() {
    return loadState(this.stateFile, PROJECT, "dev");
  }

  retryLines(): string[] {
    return this.output.filter((l) => /retrying/.test(l));
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The desired end state: `count` functions, unique names, every state resource with digest and funcUrn. */
function assertConverged(stack: ManyStack, emu: EmulatorHandle): void {
  const names = emu.functions().map((f) => f.func_name);
  assert.equal(names.length, stack.count, `functions in the emulator: ${names.join(", ")}`);
  assert.equal(new Set(names).size, stack.count, "function names are unique");
  const state = stack.state();
  assert.equal(state.resources.length, stack.count);
  for (const r of state.resources) {
    assert.equal(typeof r.outputs.digest, "string", `${r.urn} has a digest`);
    assert.equal(typeof r.outputs.funcUrn, "string", `${r.urn} has a funcUrn`);
    assert.equal(r.outputs.incomplete, undefined, `${r.urn} is complete`);
    assert.equal(r.initErrors, undefined, `${r.urn} has no init errors`);
    assert.equal(r.outputs.digest, emu.functions().find((f) => f.func_name === r.outputs.funcName)?.digest);
  }
}

/** A no-fault `up` that must write nothing. */
async function assertNoWrites(stack: ManyStack, emu: EmulatorHandle): Promise<StackResult> {
  emu.setFaults(null);
  emu.clearLog();
  const again = await stack.run("up");
  assert.equal(again.counts.same, stack.count);
  assert.deepEqual(emu.requests({ writesOnly: true }), []);
  return again;
}

function faultCounts(emu: EmulatorHandle): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of emu.requests()) for (const f of (r.fault ?? "").split("+").filter(Boolean)) counts[f] = (counts[f] ?? 0) + 1;
  return counts;
}

async function withEmulator(t: { after(fn: () => Promise<void>): void }, opts: EmulatorOptions): Promise<{ get: () => EmulatorHandle; set: (e: EmulatorHandle) => void }> {
  let emu = await startEmulator({ quiet: true, ...opts });
  t.after(async () => emu.close());
  return { get: () => emu, set: (e) => (emu = e) };
}

test("20 functions converge under 429/500/503/reset/latency faults at 30% of requests", async (t) => {
  const box = await withEmulator(t, {
    faults: "429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.05:20ms,seed=42",
    limits: { importDelayMs: 5 },
  });
  const emu = box.get();
  const stack = new ManyStack(box.get, 20);
  t.after(() => stack.dispose());

  const started = performance.now();
  const first = await stack.upAllowingFailure();
  let runs = 1;
  if (!first.ok) {
    t.diagnostic(`first up ended with ${first.errors.length} failure(s): ${first.errors.join(" | ")}; running up again`);
    const second = await stack.upAllowingFailure();
    runs++;
    assert.equal(second.ok, true, second.errors.join("\n"));
  }
  const faults = faultCounts(emu);
  const total = emu.requests().length;
  t.diagnostic(`${runs} up(s) in ${((performance.now() - started) / 1000).toFixed(1)} s; ${total} API requests, faults applied: ${JSON.stringify(faults)}; plugin retries: ${stack.retryLines().length}`);
  for (const l of stack.retryLines().slice(0, 5)) t.diagnostic(`  ${l}`);
  assert.ok(Object.values(faults).reduce((a, b) => a + b, 0) > 0, "faults were injected");
  assert.ok(stack.retryLines().length > 0, "the plugin retried");
  assert.equal(emu.requests({ operation: "import" }).filter((r) => r.status === 200 || r.fault === "commitDrop").length, 20, "each function imported once");
  assertConverged(stack, emu);

  // The same faults on a code update of all 20 (GET for drift, PUT code, GET config for each).
  fs.writeFileSync(path.join(stack.app, "extra.js"), "module.exports = 'v2';\n");
  emu.clearLog();
  emu.setFaults("429=0.1,500=0.05,503=0.05,reset=0.05,latency=0.05:20ms,seed=7");
  const retriesBefore = stack.retryLines().length;
  const upd = await stack.upAllowingFailure();
  if (!upd.ok) {
    t.diagnostic(`update up ended with ${upd.errors.length} failure(s): ${upd.errors.join(" | ")}; running up again`);
    assert.equal((await stack.upAllowingFailure()).ok, true);
  } else assert.equal(upd.counts.update, 20);
  t.diagnostic(`code update of 20 under faults: ${emu.requests().length} API requests, faults applied: ${JSON.stringify(faultCounts(emu))}; plugin retries: ${stack.retryLines().length - retriesBefore}`);
  assertConverged(stack, emu);
  await assertNoWrites(stack, emu);
});

test("commit-then-drop on import and on code update converges without a 409 or a second function", async (t) => {
  const box = await withEmulator(t, {});
  const emu = box.get();
  const stack = new ManyStack(box.get, 2);
  t.after(() => stack.dispose());

  // Import: the first import (and only that one) is committed, then its connection dropped.
  emu.setFaults("commitDrop=import:1");
  const up = await stack.run("up");
  assert.equal(up.counts.create, 2);
  assert.equal(emu.requests({ operation: "import" }).filter((r) => r.fault === "commitDrop").length, 1);
  assert.equal(emu.requests({ status: 409 }).length, 0, "no FSS.1061");
  assert.ok(stack.output.some((l) => /the import's answer was lost but the function exists/.test(l)));
  assertConverged(stack, emu);

  // Code update, retried within the same run: the PUT is idempotent.
  fs.writeFileSync(path.join(stack.app, "extra.js"), "module.exports = 1;\n");
  emu.clearLog();
  emu.setFaults("commitDrop=code:1");
  const upd = await stack.run("up");
  assert.equal(upd.counts.update, 2);
  assert.equal(emu.requests({ operation: "updateCode" }).filter((r) => r.fault === "commitDrop").length, 1);
  assert.equal(emu.requests({ status: 409 }).length, 0);
  assertConverged(stack, emu);

  // Code update with retries off: the run fails, the next `up` finishes it.
  fs.writeFileSync(path.join(stack.app, "extra.js"), "module.exports = 2;\n");
  emu.clearLog();
  emu.setFaults("commitDrop=code:1");
  const failed = await stack.upAllowingFailure({ env: { HW_MAX_RETRIES: "0" } });
  assert.equal(failed.ok, false, "the dropped code upload fails the run without retries");
  emu.setFaults(null);
  const next = await stack.run("up");
  assert.equal(next.counts.update, 1, "the next up updates the one that failed");
  assert.equal(emu.requests({ status: 409 }).length, 0);
  assertConverged(stack, emu);

  // Import with retries off: the lookup after the drop still finds the function.
  const single = new ManyStack(box.get, 1);
  t.after(() => single.dispose());
  fs.writeFileSync(path.join(single.app, "index.js"), "exports.handler = async () => 'other';\n");
  await emu.reset();
  emu.setFaults("commitDrop=import:1");
  const one = await single.run("up", { env: { HW_MAX_RETRIES: "0" } });
  assert.equal(one.counts.create, 1);
  assertConverged(single, emu);
  await assertNoWrites(single, emu);
});

test("a plugin killed in the middle of an up: the next up converges, nothing orphaned or imported twice", async (t) => {
  const box = await withEmulator(t, { faults: "latency=1:150ms,seed=3" });
  const emu = box.get();
  const stack = new ManyStack(box.get, 6);
  t.after(() => stack.dispose());

  const plugin = await startPlugin({ cwd: REPO_ROOT, project: PROJECT, env: PLUGIN_ENV, onOutput: (l) => stack.output.push(l) });
  t.after(() => plugin.close());
  const run = stack.upAllowingFailure({ plugin });
  // Kill the plugin as soon as the first import has landed.
  const deadline = Date.now() + 60_000;
  while (!emu.requests({ operation: "import" }).some((r) => r.status === 200)) {
    assert.ok(Date.now() < deadline, "no import landed within 60 s");
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(plugin.pid, "the harness exposes the plugin's pid");
  process.kill(plugin.pid!, "SIGKILL");
  const killed = await run;
  assert.equal(killed.ok, false, "the interrupted up fails");
  await new Promise((r) => setTimeout(r, 600)); // let a request in flight at the kill (150 ms latency) finish
  const landedBefore = emu.functions().length;
  const recordedBefore = stack.state().resources.length;
  t.diagnostic(`killed after the first import: ${landedBefore} function(s) in the emulator, ${recordedBefore} in state`);

  emu.setFaults(null);
  emu.clearLog();
  const next = await stack.run("up");
  assert.equal(next.ok, true);
  const imports = emu.requests({ operation: "import" });
  const takenOver = imports.filter((r) => r.status === 409).length;
  t.diagnostic(`next up: ${imports.length} import call(s), ${takenOver} answered 409 and recorded by takeOver (identical function)`);
  assert.equal(imports.filter((r) => r.status === 200).length, 6 - landedBefore, "only missing functions are imported");
  assert.equal(takenOver, landedBefore - recordedBefore, "every unrecorded function is recognised, not re-imported");
  assert.equal(emu.requests({ operation: "updateCode" }).length, 0, "an identical function needs no upload");
  assertConverged(stack, emu);
  await assertNoWrites(stack, emu);
});

test("an emulator restarted from its data dir between two ups: no change, no write call", async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-faults-data-"));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const box = await withEmulator(t, { dataDir });
  const stack = new ManyStack(box.get, 3);
  t.after(() => stack.dispose());

  const first = await stack.run("up");
  assert.equal(first.counts.create, 3);
  const before = box.get().functions();
  const port = Number(new URL(box.get().url).port);
  await box.get().close();
  let restarted: EmulatorHandle;
  try {
    restarted = await startEmulator({ quiet: true, dataDir, port });
  } catch {
    restarted = await startEmulator({ quiet: true, dataDir }); // the port was taken meanwhile: the endpoint is config
  }
  box.set(restarted);
  assert.deepEqual(restarted.functions(), before);

  const second = await stack.run("up");
  assert.deepEqual([second.counts.same, second.counts.create, second.counts.update], [3, 0, 0]);
  assert.deepEqual(restarted.requests({ writesOnly: true }), []);
  assertConverged(stack, restarted);
});
