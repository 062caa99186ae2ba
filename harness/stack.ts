/**
 * `runStack`: one operation (preview, up, refresh, destroy) on one stack, the way `pulumi <operation>` runs it:
 * a fresh plugin per deployment (or one the caller passes in), the program under mocks for preview/up, the engine
 * steps against the real plugin, the state file, and a summary plus a structured result.
 */
import * as path from "node:path";
import { namespaced, redactSecrets, type StackConfig } from "./config";
import { Engine, type Step } from "./engine";
import { startPlugin, HarnessError, type Plugin, type PluginCall } from "./plugin";
import { runProgram } from "./program";
import { readProject, resolveEntry } from "./project";
import { stateCipher } from "./secrets";
import { loadState } from "./state";
import { lockState } from "./state-lock";
import { countSteps, formatSummary, type Operation, type StepCounts } from "./summary";
import { isSecret, UNKNOWN, containsUnknown } from "./wire";

/** Options for {@link runStack}. */
export interface RunStackOptions {
  operation: Operation;
  /** A directory with Pulumi.yaml (project name and `main`); the working directory is `main`'s, as the engine's. */
  projectDir?: string;
  /** The program entry (`.js`, or `.ts` via ts-node transpile-only); overrides Pulumi.yaml's `main`. */
  program?: string;
  /** Project name; default: Pulumi.yaml's name. Required without projectDir. */
  project?: string;
  /** Stack name; default `dev`. */
  stack?: string;
  /** The JSON state file (created on first write). */
  stateFile: string;
  /** Stack config, keys `namespace:key` (un-namespaced keys get the project's namespace). */
  config?: StackConfig;
  /** Extra environment for the program and the plugin. */
  env?: Record<string, string>;
  /** Where the plugin runs (must resolve @pulumi/pulumi and the provider's modules); default: projectDir, else the
   *  current directory. Without projectDir it is also the program's working directory. */
  pluginCwd?: string;
  /** A plugin started with {@link startPlugin} to reuse across runs (the caller closes it); default: one per run. */
  plugin?: Plugin;
  /** Passphrase for secret values in the state file; default PULUMI_CONFIG_PASSPHRASE, else a `<stateFile>.key`. */
  secretsPassphrase?: string;
  /** Receives program and plugin output lines; default: process.stderr (secret config values are masked). */
  onOutput?: (line: string) => void;
}

/** The structured outcome of a run. */
export interface StackResult {
  operation: Operation;
  ok: boolean;
  steps: Step[];
  counts: StepCounts;
  /** Stack outputs as plain values (secrets unwrapped; unknowns in preview are the sentinel string). */
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  unknownOutputs: string[];
  /** The gRPC calls made to the plugin during this run, in order. */
  calls: PluginCall[];
  errors: string[];
  /** The Pulumi-like text summary. */
  summary: string;
}

/** Thrown by {@link runStack} when the program or a step failed; `result` holds what was done. */
export class StackRunError extends Error {
  override name = "StackRunError";
  constructor(readonly result: StackResult) {
    super(result.errors.join("\n"));
  }
}

/**
 * Runs one operation on a stack. Resolves with the result when everything succeeded; rejects with
 * {@link StackRunError} (carrying the result) when the program or a step failed, and with a HarnessError (a clear
 * message, e.g. the plugin cannot resolve @pulumi/pulumi from its directory) for a setup problem.
 */
export async function runStack(opts: RunStackOptions): Promise<StackResult> {
  // One run at a time per state file, as Pulumi locks a stack (state-lock.ts).
  const lock = lockState(opts.stateFile, opts.operation, (stale) =>
    (opts.onOutput ?? ((line: string) => process.stderr.write(line + "\n")))(`removed a stale lock of pid ${stale.pid} (${stale.operation} since ${stale.since}), which is no longer running`));
  try {
    return await runStackUnlocked(opts);
  } finally {
    lock.release();
  }
}

async function runStackUnlocked(opts: RunStackOptions): Promise<StackResult> {
  const proj = opts.projectDir ? readProject(opts.projectDir) : undefined;
  const cwd = proj?.pwd ?? path.resolve(opts.pluginCwd ?? ".");
  const project = opts.project ?? proj?.name;
  if (!project) throw new HarnessError("runStack needs a project name (option `project`, or a projectDir with Pulumi.yaml)");
  const stack = opts.stack ?? "dev";
  const config = namespaced(opts.config ?? {}, project);
  const out = opts.onOutput ?? ((line: string) => process.stderr.write(line + "\n"));
  const onOutput = (line: string) => out(redactSecrets(line, config));
  const cipher = stateCipher(opts.stateFile, opts.secretsPassphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE);
  const state = loadState(opts.stateFile, project, stack, cipher);

  let started: Promise<Plugin> | undefined;
  const callsBefore = opts.plugin?.calls.length ?? 0;
  const plugin = () =>
    opts.plugin
      ? Promise.resolve(opts.plugin)
      : (started ??= startPlugin({ cwd: opts.pluginCwd ?? cwd, project, env: opts.env, onOutput }));

  // Start the plugin while the program loads (it is needed at the first registration anyway).
  if (opts.operation === "up" || opts.operation === "preview" || state.resources.length > 0) plugin().catch(() => undefined);
  const engine = new Engine({ state, stateFile: opts.stateFile, config, cipher, preview: opts.operation === "preview", plugin });
  const errors: string[] = [];
  let wireOutputs: Record<string, unknown> = {};
  try {
    if (opts.operation === "refresh") await engine.refresh();
    else if (opts.operation === "destroy") await engine.destroy();
    else {
      const programPath = opts.program ? resolveEntry(path.resolve(cwd, opts.program)) : proj?.program;
      if (!programPath) throw new HarnessError("runStack needs a program (option `program`, or a projectDir with Pulumi.yaml)");
      const outcome = await runProgram({
        program: programPath,
        cwd,
        project,
        stack,
        preview: opts.operation === "preview",
        config,
        env: opts.env,
        onRegister: (reg) => engine.register(reg),
        onOutput,
      });
      await engine.settle();
      if (outcome.ok) {
        wireOutputs = outcome.outputs;
        await engine.finish();
      } else if (engine.errors.length === 0) {
        errors.push(`the program failed: ${outcome.error}`);
      }
    }
  } finally {
    if (!opts.plugin && started) await (await started.catch(() => undefined))?.close();
  }
  if (engine.harnessError) throw engine.harnessError;
  const calls = opts.plugin ? opts.plugin.calls.slice(callsBefore) : ((await started?.catch(() => undefined))?.calls ?? []);
  errors.unshift(...engine.errors);
  const result = buildResult(opts.operation, stack, engine.steps, wireOutputs, calls, errors.map((e) => redactSecrets(e, config)));
  if (!result.ok) throw new StackRunError(result);
  return result;
}

function buildResult(
  operation: Operation,
  stack: string,
  steps: Step[],
  wire: Record<string, unknown>,
  calls: PluginCall[],
  errors: string[],
): StackResult {
  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  const unknownOutputs: string[] = [];
  for (const [k, v] of Object.entries(wire)) {
    const plain = isSecret(v) ? v.value : v;
    if (isSecret(v)) secretOutputs.push(k);
    if (containsUnknown(plain)) unknownOutputs.push(k);
    outputs[k] = plain === UNKNOWN ? UNKNOWN : plain;
  }
  const partial = { operation, stack, steps, outputs, secretOutputs, unknownOutputs, errors };
  return { ...partial, ok: errors.length === 0, counts: countSteps(steps), calls, summary: formatSummary(partial) };
}
