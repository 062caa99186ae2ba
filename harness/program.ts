/**
 * Runs a Pulumi program under mocks in a child process (harness/program-host.ts) and lets the caller answer each
 * dynamic-resource registration, the way the engine answers RegisterResource. Stack config reaches the program
 * through the environment the SDK reads (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS).
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { programConfigEnv, type StackConfig } from "./config";
import type { PropertyMap } from "./wire";

/** A dynamic resource the program registered (or, with `readId`, looked up with `Resource.get`). */
export interface Registration {
  urn: string;
  type: string;
  name: string;
  /** Inputs in wire form: secrets wrapped, unknowns as the sentinel, `__provider` included. */
  inputs: PropertyMap;
  /** The parent's URN (the Stack's for a top-level resource), as the engine records it. */
  parent?: string;
  /** URNs the resource depends on (`dependsOn` and its inputs' resources). */
  dependencies?: string[];
  /** Per input, the URNs its value came from. */
  propertyDependencies?: Record<string, string[]>;
  /** The `additionalSecretOutputs` resource option: outputs the program must see as secrets. */
  additionalSecretOutputs?: string[];
  readId?: string;
}

/** What the program gets back: the id and the outputs (wire form; keys missing in preview read as unknown). */
export interface RegistrationResult {
  id: string;
  outputs: PropertyMap;
}

/** Options for {@link runProgram}. */
export interface ProgramOptions {
  /** Absolute path of the program entry (`.js`, or `.ts` run through ts-node transpile-only). */
  program: string;
  /** The working directory of the program (the project root, where Pulumi.yaml and tsconfig.json live). */
  cwd: string;
  project: string;
  stack: string;
  preview: boolean;
  config: StackConfig;
  env?: Record<string, string>;
  /** Answers a registration; a thrown error fails that registration in the program, as an engine error would. */
  onRegister(reg: Registration): Promise<RegistrationResult>;
  /** Receives the program's stdout/stderr lines. Default: process.stderr. */
  onOutput?: (line: string) => void;
}

/** The program's outcome: stack outputs in wire form, or the error that stopped it. */
export type ProgramOutcome = { ok: true; outputs: PropertyMap } | { ok: false; error: string };

/** The first message from the parent to program-host: which program to run, where, and how. */
export type StartMessage = { kind: "start"; program: string; cwd: string; project: string; stack: string; preview: boolean };
/** Messages from the parent to program-host. */
export type ParentMessage =
  | StartMessage
  | { kind: "registered"; seq: number; id: string; outputs: PropertyMap; error?: undefined }
  | { kind: "registered"; seq: number; error: string };
/** Messages from program-host to the parent. */
export type HostMessage =
  | ({ kind: "register"; seq: number } & Registration)
  | { kind: "done"; outputs: PropertyMap }
  | { kind: "failed"; message: string };

/** Runs the program to completion; resolves with its outcome (never rejects for a failing program). */
export function runProgram(opts: ProgramOptions): Promise<ProgramOutcome> {
  const out = opts.onOutput ?? ((line: string) => process.stderr.write(line + "\n"));
  const hostFile = path.join(__dirname, `program-host${path.extname(__filename)}`);
  const child = fork(hostFile, [], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, ...programConfigEnv(opts.config) },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    execArgv: path.extname(__filename) === ".ts" ? ["-r", "ts-node/register/transpile-only"] : [],
  });
  readline.createInterface({ input: child.stdout! }).on("line", out);
  readline.createInterface({ input: child.stderr! }).on("line", out);
  return new Promise((resolve) => {
    let outcome: ProgramOutcome | undefined;
    child.on("message", (msg: HostMessage) => {
      if (msg.kind === "register") {
        const { seq, kind: _kind, ...reg } = msg;
        opts.onRegister(reg).then(
          (r) => child.connected && child.send({ kind: "registered", seq, id: r.id, outputs: r.outputs } satisfies ParentMessage),
          (e: unknown) =>
            child.connected &&
            child.send({ kind: "registered", seq, error: e instanceof Error ? e.message : String(e) } satisfies ParentMessage),
        );
      } else if (msg.kind === "done") outcome = { ok: true, outputs: msg.outputs };
      else outcome ??= { ok: false, error: msg.message };
    });
    // Without a listener, a failed fork or IPC send would be thrown as an unhandled 'error' event.
    child.on("error", (e) => {
      outcome ??= { ok: false, error: `the program host failed: ${e.message}` };
    });
    child.on("close", (code, signal) =>
      resolve(outcome ?? { ok: false, error: `the program host exited (${signal ?? `code ${code}`}) without a result` }),
    );
    child.send({
      kind: "start",
      program: opts.program,
      cwd: opts.cwd,
      project: opts.project,
      stack: opts.stack,
      preview: opts.preview,
    } satisfies ParentMessage);
  });
}
