/**
 * `fgs invoke <name|urn> [--data JSON | --file F] [--async] [--log] [--endpoint URL] [--data-dir DIR]`: runs a
 * deployed function and prints its result (stdout) and, with --log, its log (stderr). Against `--endpoint`, the
 * environment's endpoint, or an emulator embedded in the command on the demo's data dir (see invoke-target.ts).
 * Exit code: 0 the function succeeded, 1 it failed (its error is printed) or the call failed, 2 bad usage.
 */
import * as fs from "node:fs";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { closeDispatchers } from "../../provider/api/dispatcher-cache";
import { invokeFunction } from "../../provider/api/invoke";
import { hasCode } from "../../provider/errors";
import type { Target } from "../../provider/auth/resolve-target";
import { parseCommandArgs, UsageError, type Command, type OptionValues } from "../command";
import { commandTarget, demoDataDir } from "./invoke-target";

const USAGE = `usage: fgs invoke <name | package:name | urn> [--data JSON | --file FILE] [--async] [--log]
                  [--endpoint URL] [--data-dir DIR]

  --data JSON       the event (default {})
  --file FILE       read the event from FILE ('-' for stdin)
  --async           invoke asynchronously: print the request id (the call's outcome goes to 'fgs logs')
  --log             print the call's log to stderr
  --endpoint URL    the FunctionGraph endpoint (default: from the environment; else an embedded emulator on
                    the data dir 'npm start' deploys to)
  --data-dir DIR    the embedded emulator's data dir (default ./.fgs/emulator, where 'npm start' deploys)
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

const OPTIONS = {
  data: { type: "string", short: "d" }, file: { type: "string", short: "f" }, async: { type: "boolean" },
  log: { type: "boolean", short: "l" }, endpoint: { type: "string" }, "data-dir": { type: "string" },
} as const;

/** `fgs invoke`. */
export const command: Command = {
  summary: "run a deployed function and print its result (and log)",
  usage: USAGE,
  options: OPTIONS,
  positionals: { min: 1, max: 1 },
  run: (values, positionals) => invoke(invokeArgs(values, positionals)),
};

/** Parses argv with the one parser (tests); throws a UsageError for the user. */
export function parseInvokeArgs(argv: string[], readFile?: (f: string) => string): InvokeArgs {
  const parsed = parseCommandArgs(command, argv);
  if (!parsed) throw new UsageError("--help given");
  return invokeArgs(parsed.values, parsed.positionals, readFile);
}

/** Reads the event (--data / --file) and the rest; throws a UsageError naming the option. */
export function invokeArgs(
  values: OptionValues, positionals: string[], readFile: (f: string) => string = (f) => fs.readFileSync(f === "-" ? 0 : f, "utf8"),
): InvokeArgs {
  const v = values as { data?: string; file?: string; async?: boolean; log?: boolean; endpoint?: string; "data-dir"?: string };
  if (v.data !== undefined && v.file !== undefined) throw new UsageError("--data and --file: give one of them");
  let text = v.data ?? "{}";
  if (v.file !== undefined) {
    try {
      text = readFile(v.file);
    } catch (e) {
      throw new UsageError(`--file: cannot read '${v.file}': ${(e as Error).message}`);
    }
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${v.file !== undefined ? "--file" : "--data"}: not valid JSON (${(e as Error).message})`);
  }
  return { fn: positionals[0], event, async: !!v.async, log: !!v.log, endpoint: v.endpoint, dataDir: v["data-dir"] };
}

/** Pretty-prints JSON text (as it is when it is not JSON). */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Runs the invocation; returns the exit code. */
async function invoke(args: InvokeArgs): Promise<number> {
  let target: Target | undefined;
  try {
    target = commandTarget(args.endpoint);
  } catch (e) {
    throw new UsageError((e as Error).message);
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
    if (emu && hasCode(e, "FGS_SERVICE") && (e as { errorCode?: string }).errorCode === "FSS.1051") {
      // The embedded emulator only knows what was deployed to its data dir (`npm start`, `fgs up`).
      process.stderr.write(`fgs invoke: the embedded emulator on ${args.dataDir ?? demoDataDir()} has no such function; deployed to another ` +
        "emulator (`fgs emulator`, `pulumi up`)? pass its --endpoint (or set the HUAWEICLOUD_SDK_* / HW_* variables of the deployment)\n");
    }
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
