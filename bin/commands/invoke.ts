/**
 * `fgs invoke <name|urn> [--data JSON | --file F] [--async] [--log] [--endpoint URL] [--data-dir DIR]`: runs a
 * deployed function and prints its result (stdout) and, with --log, its log (stderr). Against `--endpoint`, the
 * environment's endpoint, or an emulator embedded in the command on the demo's data dir (see invoke-target.ts).
 * Exit code: 0 the function succeeded, 1 it failed (its error is printed) or the call failed, 2 bad usage.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";
import { invokeFunction } from "../../provider/api/invoke";
import type { Target } from "../../provider/auth/resolve-target";
import { commandTarget, demoDataDir } from "./invoke-target";

/** One-line description for `fgs --help`. */
export const summary = "run a deployed function and print its result (and log)";

const USAGE = `usage: fgs invoke <name | package:name | urn> [--data JSON | --file FILE] [--async] [--log]
                  [--endpoint URL] [--data-dir DIR]

  --data JSON       the event (default {})
  --file FILE       read the event from FILE ('-' for stdin)
  --async           invoke asynchronously: print the request id (the call's outcome goes to 'fgs logs')
  --log             print the call's log to stderr
  --endpoint URL    the FunctionGraph endpoint (default: from the environment; else an embedded emulator on
                    the data dir 'npm start' deploys to)
  --data-dir DIR    the embedded emulator's data dir (default .pulumi-harness/emulator)
`;

/** Parsed `fgs invoke` arguments. */
export interface InvokeArgs {
  fn: string;
  event: unknown;
  async: boolean;
  log: boolean;
  endpoint?: string;
  dataDir?: string;
}

/** Parses argv strictly; throws an Error with a message for the user. */
export function parseInvokeArgs(argv: string[], readFile: (f: string) => string = (f) => fs.readFileSync(f === "-" ? 0 : f, "utf8")): InvokeArgs {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      data: { type: "string", short: "d" }, file: { type: "string", short: "f" }, async: { type: "boolean" },
      log: { type: "boolean", short: "l" }, endpoint: { type: "string" }, "data-dir": { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new Error(`expected one function (name, package:name or URN), got ${positionals.length}`);
  if (values.data !== undefined && values.file !== undefined) throw new Error("--data and --file: give one of them");
  let text = values.data ?? "{}";
  if (values.file !== undefined) {
    try {
      text = readFile(values.file);
    } catch (e) {
      throw new Error(`--file: cannot read '${values.file}': ${(e as Error).message}`);
    }
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (e) {
    throw new Error(`${values.file !== undefined ? "--file" : "--data"}: not valid JSON (${(e as Error).message})`);
  }
  return { fn: positionals[0], event, async: !!values.async, log: !!values.log, endpoint: values.endpoint, dataDir: values["data-dir"] };
}

/** Pretty-prints JSON text (as it is when it is not JSON). */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Runs `fgs invoke`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let args: InvokeArgs;
  let target: Target | undefined;
  try {
    args = parseInvokeArgs(argv);
    target = commandTarget(args.endpoint);
  } catch (e) {
    process.stderr.write(`fgs invoke: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let emu: EmulatorHandle | undefined;
  if (!target || args.dataDir !== undefined) {
    const dataDir = args.dataDir ?? demoDataDir();
    emu = await startEmulator({ dataDir, quiet: true });
    process.stderr.write(`(embedded emulator on ${dataDir})\n`);
    target = { endpoint: emu.url, region: emu.region, projectId: emu.projectId, credentials: { kind: "aksk", ...emu.credentials } };
  }
  try {
    const out = await invokeFunction(target, args.fn, args.event, { async: args.async, log: args.log });
    if (out.kind === "async") {
      process.stdout.write(`${out.requestId}\n`);
      if (emu) {
        // The embedded emulator ends with this command: let the call finish (and show its log) first.
        const done = await waitFor(emu, out.requestId);
        if (args.log) process.stderr.write(done.log);
        return done.status === "succeeded" ? 0 : 1;
      }
      return 0;
    }
    if (args.log) process.stderr.write(out.log);
    process.stdout.write(`${pretty(out.result)}\n`);
    return out.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`fgs invoke: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await closeDispatchers();
    await emu?.close();
  }
}

async function waitFor(emu: EmulatorHandle, requestId: string): Promise<{ status: string; log: string }> {
  for (;;) {
    const rec = emu.invocations({ requestId })[0];
    if (rec && rec.status !== "running") return rec;
    await new Promise((r) => setTimeout(r, 20));
  }
}
