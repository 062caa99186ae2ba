/**
 * `fgs demo` (`npm start`): `fgs up` of the bundled demo stack (the package's Pulumi.yaml: the three examples) on
 * the embedded emulator, with its state in ./.fgs of the current directory (FGS_DEMO_STATE_DIR moves it), so a
 * second run shows no changes; after an `up` it invokes each function and prints its answer. The real Pulumi CLI
 * when one is found, the engine harness otherwise.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, type Command, type OptionValues } from "../command";
import type { EmulatorHandle } from "../../emulator";
import type { Operation } from "../../harness";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";
import { invokeFunction } from "../../provider/api/invoke";
import { runStackOperation } from "./stack-op";

export { emulatorConfig, emulatorEnv } from "./stack-op";

/** The package root, holding the demo's Pulumi.yaml (this file runs from dist/bin/commands). */
export const PACKAGE_ROOT = path.resolve(__dirname, "../../..");

const USAGE = `usage: fgs demo [--fresh] [--preview | --refresh | --destroy] [--engine auto|cli|harness] [--json]

  (no option)  deploy (pulumi up); a second run shows no changes
  --preview    show what would change, change nothing
  --refresh    read every function back and update the state
  --destroy    delete every function and empty the state
  --fresh      first wipe the demo's state and the emulator's data (./.fgs)
  --engine E   auto (default): the Pulumi CLI when one is found, else the engine harness
  --json       a JSON report on stdout
`;

/** What `fgs demo` was asked to do. */
export interface DemoArgs {
  operation: Operation;
  fresh: boolean;
}

/** Reads the demo's options: one operation at most. */
export function demoArgs(values: OptionValues): DemoArgs {
  const ops = (["preview", "refresh", "destroy"] as const).filter((o) => values[o]);
  if (ops.length > 1) throw new UsageError(`--${ops[1]}: choose one of --preview, --refresh, --destroy`);
  return { operation: ops[0] ?? "up", fresh: Boolean(values.fresh) };
}

/** Invokes every deployed demo function once and prints its answer (what a user checks first). */
export async function invokeDemoFunctions(emu: EmulatorHandle, outputs: Record<string, unknown>, say: (t: string) => void): Promise<void> {
  const functions = (outputs.functions ?? {}) as Record<string, { urn?: string }>;
  const target = { endpoint: emu.url, projectId: emu.projectId, credentials: { kind: "aksk" as const, ...emu.credentials } };
  say("\nInvoking each function:\n");
  try {
    for (const [name, f] of Object.entries(functions)) {
      if (typeof f.urn !== "string") continue;
      try {
        const r = await invokeFunction(target, f.urn, { source: "fgs demo" }, { log: false });
        say(r.kind === "sync" ? `    ${name.padEnd(15)} ${r.ok ? "" : "FAILED "}${r.result}\n` : `    ${name}: ${r.requestId}\n`);
      } catch (e) {
        say(`    ${name.padEnd(15)} could not be invoked: ${(e as Error).message}\n`);
      }
    }
  } finally {
    await closeDispatchers();
  }
}

/** `fgs demo`. */
export const command: Command = {
  summary: "deploy the demo stack (three example functions) to the embedded emulator",
  usage: USAGE,
  options: {
    fresh: { type: "boolean" }, preview: { type: "boolean" }, refresh: { type: "boolean" }, destroy: { type: "boolean" },
    engine: { type: "string" }, json: { type: "boolean" },
  },
  run: async (values) => {
    const { operation, fresh } = demoArgs(values);
    const engine = (values.engine as string | undefined) ?? "auto";
    if (engine !== "auto" && engine !== "cli" && engine !== "harness") throw new UsageError(`--engine must be auto, cli or harness, got '${engine}'`);
    const stateDir = path.join(process.env.FGS_DEMO_STATE_DIR || process.cwd(), ".fgs");
    if (fresh) fs.rmSync(stateDir, { recursive: true, force: true });
    return runStackOperation({
      operation, projectDir: PACKAGE_ROOT, stack: "dev", stateDir, engine, json: Boolean(values.json),
      diff: false, expectNoChanges: false, afterUp: invokeDemoFunctions,
    });
  },
};
