/**
 * Stack benchmark: the `many` fixture program with 50 functions through the engine harness against the
 * emulator (imports hold the account's slot 10 ms, as in tests/engine/load.test.ts): `up`, then a no-op `up`;
 * wall time, API requests and write calls of each.
 *
 * Run: `node dist/bench/stack.js [count]` (or through `npm run bench`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../emulator";
import { runStack } from "../harness";
import { emulatorConfig } from "../bin/commands/demo";

const REPO = path.resolve(__dirname, "..", "..");

export interface StackRun {
  seconds: number;
  requests: number;
  writes: number;
  pluginCalls: number;
}

export async function runStackBench(opts: { count?: number; log?: (line: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const count = opts.count ?? 50;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-bench-stack-"));
  const app = path.join(root, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "index.js"), "exports.handler = async () => ({ statusCode: 200 });\n");
  const emu = await startEmulator({ quiet: true, limits: { importDelayMs: 10 } });
  try {
    const once = async (): Promise<StackRun> => {
      emu.clearLog();
      const start = performance.now();
      const r = await runStack({
        operation: "up",
        program: path.join(REPO, "dist", "tests", "engine", "fixtures", "many", "index.js"),
        project: "many",
        backendDir: path.join(root, "backend"),
        pluginCwd: REPO,
        config: { ...emulatorConfig(emu), "many:count": { value: String(count) }, "many:sourceDir": { value: app } },
        env: { FGS_QUIET: "1" },
        onOutput: () => {},
      });
      const seconds = (performance.now() - start) / 1000;
      return { seconds, requests: emu.requests().length, writes: emu.requests({ writesOnly: true }).length, pluginCalls: r.calls.length };
    };
    const up = await once();
    const noop = await once();
    log(`stack of ${count}: up ${up.seconds.toFixed(2)} s (${up.requests} API requests, ${up.writes} writes, ${up.pluginCalls} gRPC calls); ` +
      `no-op up ${noop.seconds.toFixed(2)} s (${noop.requests} API requests, ${noop.writes} writes)`);
    return { count, up, noop };
  } finally {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runStackBench({ count: process.argv[2] ? Number(process.argv[2]) : undefined }).then((r) => console.log(JSON.stringify(r)), (e) => {
    console.error(e);
    process.exit(1);
  });
}
