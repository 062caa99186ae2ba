/**
 * `fgs demo` (`npm start`): starts the embedded FunctionGraph emulator, deploys the demo stack (the root
 * Pulumi.yaml: the three examples) to it and prints the summary and outputs. State lives in `.pulumi-harness/`
 * (with the emulator's data dir), so running it again shows no changes. Uses the real `pulumi` CLI when one is on
 * the PATH (file backend in `.pulumi/`), otherwise the engine harness.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { findPulumiCli, HarnessError, runStack, runWithPulumiCli, StackRunError, type Operation, type StackConfig } from "../../harness";

/** One-line description for `fgs --help`. */
export const summary = "deploy the demo stack (three example functions) to the embedded emulator";

const USAGE = `usage: fgs demo [--fresh] [--preview | --refresh | --destroy]

  (no option)  deploy (pulumi up); a second run shows no changes
  --preview    show what would change, change nothing
  --refresh    read every function back and update the state
  --destroy    delete every function and empty the state
  --fresh      first wipe the state and the emulator's data (.pulumi-harness/, .pulumi/)
`;

/** The repository root (this file runs from dist/bin/commands). */
const REPO_ROOT = path.resolve(__dirname, "../../..");
const STACK = "dev";
/** The fixed passphrase of the demo's local CLI backend (it guards dev credentials only). */
const DEMO_PASSPHRASE = "pulumi-functiongraph-demo";

/** What `fgs demo` was asked to do. */
export interface DemoArgs {
  operation: Operation;
  fresh: boolean;
}

/** Parses argv strictly; throws an Error with a message for the user. */
export function parseDemoArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { operation: "up", fresh: false };
  const ops: Record<string, Operation> = { "--preview": "preview", "--refresh": "refresh", "--destroy": "destroy" };
  for (const arg of argv) {
    if (arg === "--fresh") args.fresh = true;
    else if (arg in ops) {
      if (args.operation !== "up") throw new Error(`${arg}: choose one of --preview, --refresh, --destroy`);
      args.operation = ops[arg];
    } else throw new Error(`unknown option ${arg}`);
  }
  return args;
}

/** The stack config that points the provider at the emulator; the credentials are secrets. */
export function emulatorConfig(emu: Pick<EmulatorHandle, "url" | "region" | "projectId" | "credentials">): StackConfig {
  return {
    "functiongraph:endpoint": { value: emu.url },
    "functiongraph:region": { value: emu.region },
    "functiongraph:projectId": { value: emu.projectId },
    "functiongraph:accessKey": { value: emu.credentials.accessKey, secret: true },
    "functiongraph:secretKey": { value: emu.credentials.secretKey, secret: true },
  };
}

/** Runs `fgs demo`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (e) {
    process.stderr.write(`fgs demo: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  // FGS_DEMO_STATE_DIR moves the demo's state (harness state, emulator data, CLI backend) elsewhere (tests).
  const stateRoot = process.env.FGS_DEMO_STATE_DIR || REPO_ROOT;
  const harnessDir = path.join(stateRoot, ".pulumi-harness");
  const backendDir = path.join(stateRoot, ".pulumi");
  if (args.fresh) {
    fs.rmSync(harnessDir, { recursive: true, force: true });
    fs.rmSync(backendDir, { recursive: true, force: true });
  }
  const emu = await startEmulator({ dataDir: path.join(harnessDir, "emulator"), quiet: true });
  try {
    const config = emulatorConfig(emu);
    process.stdout.write(`FunctionGraph emulator at ${emu.url} (region ${emu.region}, data in .pulumi-harness/emulator)\n`);
    const cli = findPulumiCli();
    if (cli) {
      process.stdout.write(`using the Pulumi CLI (${cli}), backend file://${backendDir}\n`);
      return await runWithPulumiCli(cli, { projectDir: REPO_ROOT, stack: STACK, operation: args.operation, config, backendDir, passphrase: DEMO_PASSPHRASE });
    }
    process.stdout.write("no pulumi CLI on the PATH: using the engine harness (state in .pulumi-harness/)\n\n");
    try {
      const result = await runStack({
        operation: args.operation,
        projectDir: REPO_ROOT,
        stack: STACK,
        stateFile: path.join(harnessDir, `${STACK}.json`),
        config,
        onOutput: (line) => process.stdout.write(`    ${line}\n`),
      });
      process.stdout.write(result.summary);
      return 0;
    } catch (e) {
      if (e instanceof StackRunError) {
        process.stdout.write(e.result.summary);
        return 1;
      }
      if (e instanceof HarnessError) {
        process.stderr.write(`fgs demo: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  } finally {
    await emu.close();
  }
}
