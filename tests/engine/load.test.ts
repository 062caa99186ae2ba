/**
 * Load through the engine harness: a stack of 50 functions (the `many` fixture program) deployed by one real
 * dynamic-provider plugin to an emulator that enforces the one-import-at-a-time rule (an import holds the
 * account's slot for `importDelayMs`; a concurrent one gets 429 FSS.0429). Asserts the provider is serialized
 * once (every `__provider` identical), imports never overlap (no FSS.0429, thanks to the plugin-wide
 * importLimiter), and a second `up` writes nothing. Time and call counts are printed, never asserted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { backendPaths, loadState, runStack } from "../../harness";
import { emulatorConfig } from "../../bin/commands/demo";
import { REPO_ROOT } from "./fixtureStack";

const PROGRAM = path.join(__dirname, "fixtures/many/index.js");
const COUNT = 50;

test("a stack of 50 functions: one serialized provider, imports one at a time, a no-op second up", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-load-"));
  const app = path.join(root, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "index.js"), "exports.handler = async () => ({ statusCode: 200 });\n");
  const emu = await startEmulator({ quiet: true, limits: { importDelayMs: 10 } });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const output: string[] = [];
  const backendDir = path.join(root, "backend");
  const stateFile = backendPaths(backendDir, "many", "dev").checkpoint;
  const run = () =>
    runStack({
      operation: "up",
      program: PROGRAM,
      project: "many",
      backendDir,
      pluginCwd: REPO_ROOT,
      config: { ...emulatorConfig(emu), "many:count": { value: String(COUNT) }, "many:sourceDir": { value: app } },
      env: { HW_RETRY_BASE_DELAY_MS: "20" },
      onOutput: (line) => output.push(line),
    });

  let start = performance.now();
  const first = await run();
  const upSeconds = (performance.now() - start) / 1000;
  assert.equal(first.counts.create, COUNT);
  const requests = emu.requests();
  const writes = emu.requests({ writesOnly: true });
  const busy = requests.filter((r) => r.errorCode === "FSS.0429");
  t.diagnostic(`up of ${COUNT}: ${upSeconds.toFixed(1)} s, ${requests.length} API requests (${writes.length} writes), ` +
    `${first.calls.length} plugin gRPC calls, ${busy.length} FSS.0429`);
  assert.equal(busy.length, 0, "no concurrent import was refused (importLimiter keeps one in flight)");
  assert.equal(emu.requests({ operation: "import" }).length, COUNT);
  const names = emu.functions().map((f) => f.func_name);
  assert.equal(names.length, COUNT);
  assert.equal(new Set(names).size, COUNT);

  const state = loadState(stateFile, "many", "dev");
  assert.equal(state.resources.length, COUNT);
  const providers = new Set(state.resources.map((r) => r.provider));
  assert.equal(providers.size, 1, "every resource carries the same serialized provider");
  const [provider] = providers;
  t.diagnostic(`__provider: ${provider.length} characters, identical for all ${COUNT} resources`);
  for (const r of state.resources) assert.equal(typeof r.outputs.digest, "string");

  emu.clearLog();
  start = performance.now();
  const second = await run();
  const noopSeconds = (performance.now() - start) / 1000;
  assert.equal(second.counts.same, COUNT);
  assert.deepEqual(emu.requests({ writesOnly: true }), []);
  t.diagnostic(`no-op up of ${COUNT}: ${noopSeconds.toFixed(1)} s, ${emu.requests().length} API requests (0 writes), ` +
    `${second.calls.length} plugin gRPC calls`);
});
