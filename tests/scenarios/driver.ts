/**
 * One stack, two engines: the scenario table (scenarios.ts) drives a {@link Driver} that runs a throwaway Pulumi
 * project (a JavaScript program directory with its own Pulumi.yaml) either through plain `pulumi` commands (the
 * real CLI and Node.js language host, file backend, passphrase secrets) or through the project's engine harness,
 * so both are held to the same expectations.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EmulatorHandle } from "../../emulator";
import {
  plainPulumiEnv, runPulumiCommand, runStack, runWithPlainPulumi, StackRunError, type CliResourceEvent, type Operation, type StackConfig,
} from "../../harness";
import { emulatorConfig } from "../../bin/commands/stack-op";

/** The repository root (tests run from dist/tests/scenarios). */
export const REPO_ROOT = path.resolve(__dirname, "../../..");
/** Scenario projects live under the repository so they resolve `pulumi-functiongraph` and `@pulumi/pulumi`. */
const STACKS_ROOT = path.join(REPO_ROOT, ".fgs-test-stacks");

/** The program: every function, its arguments and resource options come from the config key `t:spec`. */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const fgs = require("pulumi-functiongraph");
const spec = JSON.parse(new pulumi.Config("t").require("spec"));
const made = {};
for (const f of spec.functions) {
  const opts = {};
  for (const k of ["protect", "ignoreChanges", "retainOnDelete", "deleteBeforeReplace"]) if (f[k] !== undefined) opts[k] = f[k];
  if (f.aliases) opts.aliases = f.aliases.map((name) => ({ name }));
  if (f.dependsOn) opts.dependsOn = f.dependsOn.map((n) => made[n]);
  made[f.name] = new fgs.Function(f.name, f.args, opts);
}
module.exports = Object.fromEntries(Object.entries(made).map(([k, fn]) => [k, pulumi.all({ urn: fn.funcUrn, digest: fn.digest, memorySize: fn.memorySize, version: fn.version })]));
`;

/** One function of the program. */
export interface FunctionSpec {
  name: string;
  args: Record<string, unknown>;
  protect?: boolean;
  ignoreChanges?: string[];
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  aliases?: string[];
  dependsOn?: string[];
}

/** What a run did, the same shape for both engines. */
export interface RunResult {
  ok: boolean;
  changes: Record<string, number>;
  outputs: Record<string, unknown>;
  /** Human output (the CLI's display, or the harness summary and plugin lines). */
  text: string;
  error?: string;
  /** The engine's resource events in order (the real CLI only). */
  events?: CliResourceEvent[];
  /** One step per resource the engine went through (`same` included), both engines. */
  steps: ResourceStep[];
}

/** A resource's step as both engines report it: its Pulumi URN and the operation (`replace` covers its halves). */
export interface ResourceStep {
  urn: string;
  op: string;
}

/** The CLI's resource events as one step per resource (`create-replacement`/`delete-replaced` → `replace`). */
export function stepsOfEvents(events: CliResourceEvent[]): ResourceStep[] {
  const byUrn = new Map<string, string>();
  for (const e of events) {
    if (e.phase !== "pre" || e.type === "pulumi:pulumi:Stack" || e.type.startsWith("pulumi:providers:")) continue;
    const op = ["create-replacement", "delete-replaced", "replace", "discard-replaced"].includes(e.op) ? "replace" : e.op;
    if (byUrn.get(e.urn) !== "replace") byUrn.set(e.urn, op);
  }
  return [...byUrn].map(([urn, op]) => ({ urn, op }));
}

/** Run options both engines understand (the harness ignores `diff` and `target`). */
export interface RunOptions {
  expectNoChanges?: boolean;
  /** refresh under the CLI: drop pending creates of a killed run. */
  clearPendingCreates?: boolean;
  diff?: boolean;
  target?: string[];
}

/** A throwaway project on one engine against one emulator. */
export abstract class Driver {
  readonly dir: string;
  /** The file backend both engines keep the stack's checkpoint in, and the stack's passphrase. */
  readonly backendDir: string;
  readonly passphrase = "scenario-passphrase";
  functions: FunctionSpec[] = [];
  config: StackConfig;

  constructor(readonly emu: EmulatorHandle, label: string) {
    fs.mkdirSync(STACKS_ROOT, { recursive: true });
    this.dir = fs.mkdtempSync(path.join(STACKS_ROOT, `${label}-`));
    this.backendDir = path.join(this.dir, ".fgs", "backend");
    fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), "name: scenario\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(this.dir, "index.js"), PROGRAM);
    this.config = emulatorConfig(emu);
  }

  abstract readonly engine: "cli" | "harness";
  protected abstract exec(op: Operation, opts: RunOptions): Promise<RunResult>;
  /** Every file the engine keeps its state in (for secret scans). */
  abstract stateFiles(): string[];

  /** Writes a file of the project (creating directories). */
  write(rel: string, content: string, mode?: number): string {
    const file = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, mode === undefined ? undefined : { mode });
    return file;
  }

  run(op: Operation, opts: RunOptions = {}): Promise<RunResult> {
    return this.exec(op, opts);
  }

  protected stackConfig(): StackConfig {
    // Secret: the spec holds environment values, and the CLI keeps plain config in its state files.
    return { ...this.config, "t:spec": { value: JSON.stringify({ functions: this.functions }), secret: true } };
  }

  /** The concatenated text of every state file. */
  stateText(): string {
    return this.stateFiles().map((f) => fs.readFileSync(f, "utf8")).join("\n");
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** The engine harness. */
export class HarnessDriver extends Driver {
  readonly engine = "harness";

  protected async exec(op: Operation, opts: RunOptions): Promise<RunResult> {
    const lines: string[] = [];
    try {
      const r = await runStack({
        operation: op, projectDir: this.dir, backendDir: this.backendDir, secretsPassphrase: this.passphrase, config: this.stackConfig(),
        onOutput: (l) => lines.push(l),
      });
      const changed = r.counts.create + r.counts.update + r.counts.replace + r.counts.delete;
      const ok = !(opts.expectNoChanges && changed > 0);
      return {
        ok, changes: r.counts, outputs: r.outputs, text: [...lines, r.summary].join("\n"), error: ok ? undefined : "changes were not expected",
        steps: r.steps.map((x) => ({ urn: x.urn, op: x.op })),
      };
    } catch (e) {
      if (!(e instanceof StackRunError)) throw e;
      return {
        ok: false, changes: e.result.counts, outputs: e.result.outputs, text: [...lines, e.result.summary].join("\n"), error: e.message,
        steps: e.result.steps.map((x) => ({ urn: x.urn, op: x.op })),
      };
    }
  }

  stateFiles(): string[] {
    return walk(this.backendDir);
  }
}

/** The real Pulumi CLI: plain `pulumi` commands in the program directory. */
export class CliDriver extends Driver {
  readonly engine = "cli";
  readonly pulumiHome = path.join(this.dir, ".fgs", "home");
  /** The pid (own process group) of the run in progress. */
  pid: number | undefined;
  /** What the run in progress has printed so far. */
  progress = "";
  /** Config values already set on the stack (only changed ones are set again). */
  private readonly configSet = new Map<string, string>();

  constructor(emu: EmulatorHandle, label: string, readonly cli: string) {
    super(emu, label);
  }

  protected async exec(op: Operation, opts: RunOptions): Promise<RunResult> {
    let text = "";
    this.progress = "";
    const changed = Object.fromEntries(Object.entries(this.stackConfig()).filter(([k, v]) => this.configSet.get(k) !== v.value));
    const r = await runWithPlainPulumi({
      cli: this.cli, projectDir: this.dir, stack: "dev", operation: op, config: changed,
      backendDir: this.backendDir, passphrase: this.passphrase, pulumiHome: this.pulumiHome,
      ...opts, onOutput: (t) => { text += t; this.progress += t; }, onStart: (pid) => (this.pid = pid),
    });
    this.pid = undefined;
    if (!/pulumi (stack select|config set)/.test(r.error ?? "")) for (const [k, v] of Object.entries(changed)) this.configSet.set(k, v.value);
    return { ok: r.ok, changes: r.changes, outputs: r.outputs, text: text + (r.error ?? ""), error: r.error, events: r.events, steps: stepsOfEvents(r.events) };
  }

  /** Runs `pulumi ARGS` in the project with the stack's backend; resolves with its exit code and output. */
  async pulumi(args: string[]): Promise<{ code: number; output: string }> {
    const env = plainPulumiEnv({ cli: this.cli, projectDir: this.dir, backendDir: this.backendDir, passphrase: this.passphrase, pulumiHome: this.pulumiHome });
    return runPulumiCommand(this.cli, args, { cwd: this.dir, env });
  }

  stateFiles(): string[] {
    return walk(this.backendDir);
  }
}
