/**
 * `runStack`: one operation (preview, up, refresh, destroy) on one stack, the way `pulumi <operation>` runs it:
 * a fresh plugin per deployment (or one the caller passes in), the program under mocks for preview/up, the engine
 * steps against the real plugin, the stack's Pulumi checkpoint in a file backend (the one the CLI uses, under the
 * backend's own lock), and a summary plus a structured result.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { backendPaths, readCheckpoint, type CheckpointFile } from "./checkpoint";
import { namespaced, redactSecrets, type StackConfig } from "./config";
import { Engine, type Step } from "./engine";
import { startPlugin, HarnessError, type Plugin, type PluginCall } from "./plugin";
import { runProgram } from "./program";
import { readProject, resolveEntry } from "./project";
import { newSaltState, passphraseCipher, resolvePassphrase, type StateCipher } from "./secrets";
import { loadState } from "./state";
import { lockState } from "./state-lock";
import { countSteps, formatSummary, type Operation, type StepCounts } from "./summary";
import { isSecret, UNKNOWN, containsUnknown } from "./wire";
import { FgsError, hasCode } from "../provider/errors";

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
  /**
   * The Pulumi file backend holding the stack's state (what `pulumi login file://<backendDir>` uses): the
   * checkpoint `<backendDir>/.pulumi/stacks/<project>/<stack>.json`, shared with the Pulumi CLI.
   */
  backendDir: string;
  /** Stack config, keys `namespace:key` (un-namespaced keys get the project's namespace). */
  config?: StackConfig;
  /** Extra environment for the program and the plugin. */
  env?: Record<string, string>;
  /** Where the plugin runs (must resolve @pulumi/pulumi and the provider's modules); default: projectDir, else the
   *  current directory. Without projectDir it is also the program's working directory. */
  pluginCwd?: string;
  /** A plugin started with {@link startPlugin} to reuse across runs (the caller closes it); default: one per run. */
  plugin?: Plugin;
  /**
   * The stack's passphrase (Pulumi's passphrase secrets provider); default PULUMI_CONFIG_PASSPHRASE, else
   * PULUMI_CONFIG_PASSPHRASE_FILE, else a random one kept in `<backendDir>/passphrase` (mode 0600).
   */
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
export class StackRunError extends FgsError {
  override name = "StackRunError";
  constructor(readonly result: StackResult) {
    super("FGS_STACK_RUN", result.errors.join("\n"));
  }
}

/**
 * Runs one operation on a stack. Resolves with the result when everything succeeded; rejects with
 * {@link StackRunError} (carrying the result) when the program or a step failed, and with a HarnessError (a clear
 * message, e.g. the plugin cannot resolve @pulumi/pulumi from its directory) for a setup problem.
 */
export async function runStack(opts: RunStackOptions): Promise<StackResult> {
  const proj = opts.projectDir ? readProject(opts.projectDir) : undefined;
  const project = opts.project ?? proj?.name;
  if (!project) throw new HarnessError("runStack needs a project name (option `project`, or a projectDir with Pulumi.yaml)");
  const stack = opts.stack ?? "dev";
  const paths = backendPaths(opts.backendDir, project, stack);
  // One run at a time per stack, with the file backend's own lock: the CLI honours it too (state-lock.ts).
  const lock = lockState(paths.lockDir, opts.operation, (stale) =>
    (opts.onOutput ?? ((line: string) => process.stderr.write(line + "\n")))(`removed a stale lock of pid ${stale.pid} (${stale.operation ?? "pulumi"} since ${stale.timestamp}), which is no longer running`));
  try {
    return await runStackUnlocked(opts, proj, project, stack, paths.checkpoint);
  } finally {
    lock.release();
  }
}

async function runStackUnlocked(
  opts: RunStackOptions, proj: ReturnType<typeof readProject> | undefined, project: string, stack: string, stateFile: string,
): Promise<StackResult> {
  const cwd = proj?.pwd ?? path.resolve(opts.pluginCwd ?? ".");
  const config = namespaced(opts.config ?? {}, project);
  const out = opts.onOutput ?? ((line: string) => process.stderr.write(line + "\n"));
  const onOutput = (line: string) => out(redactSecrets(line, config));
  const passphrase = resolvePassphrase(opts.secretsPassphrase, path.join(path.resolve(opts.backendDir), "passphrase"));
  const cipher = stackCipher(readCheckpoint(stateFile), passphrase, stateFile, proj?.dir, stack);
  const state = loadState(stateFile, project, stack, cipher);

  let started: Promise<Plugin> | undefined;
  const callsBefore = opts.plugin?.calls.length ?? 0;
  const plugin = () =>
    opts.plugin
      ? Promise.resolve(opts.plugin)
      : (started ??= startPlugin({ cwd: opts.pluginCwd ?? cwd, project, env: opts.env, onOutput }));

  // Start the plugin while the program loads (it is needed at the first registration anyway).
  if (opts.operation === "up" || opts.operation === "preview" || state.resources.length > 0) plugin().catch(() => undefined);
  const engine = new Engine({ state, stateFile, config, cipher, preview: opts.operation === "preview", plugin });
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
        await engine.finish(wireOutputs);
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

/**
 * The stack's passphrase cipher. Its salt state is the checkpoint's (what its secrets were encrypted with), else
 * `encryptionsalt` of `Pulumi.<stack>.yaml` (a stack `pulumi stack init` made), else a new one.
 */
export function stackCipher(
  chk: CheckpointFile | undefined, passphrase: string, stateFile: string, projectDir: string | undefined, stack: string,
): StateCipher {
  const where = `stack ${stack} (${stateFile})`;
  const sp = chk?.checkpoint.latest?.secrets_providers;
  const recorded = sp ? { type: sp.type, salt: sp.state?.salt } : undefined;
  if (recorded && recorded.type !== "passphrase") {
    throw new HarnessError(`${where} uses the '${recorded.type}' secrets provider; the engine harness supports the passphrase provider only: use the Pulumi CLI (--engine cli)`);
  }
  const stackFile = projectDir ? ["yaml", "yml"].map((e) => path.join(projectDir, `Pulumi.${stack}.${e}`)).find((f) => fs.existsSync(f)) : undefined;
  const doc = stackFile ? parseDocument(fs.readFileSync(stackFile, "utf8")) : undefined;
  const fromYaml = doc?.get("encryptionsalt");
  if (!recorded?.salt && (doc?.get("secretsprovider") || doc?.get("encryptedkey"))) {
    throw new HarnessError(`${stackFile} sets another secrets provider (secretsprovider/encryptedkey); the engine harness supports the passphrase provider only: use the Pulumi CLI (--engine cli)`);
  }
  const salt = recorded?.salt ?? (typeof fromYaml === "string" ? fromYaml : undefined);
  try {
    if (salt) return passphraseCipher(passphrase, salt, where);
  } catch (e) {
    if (hasCode(e, "FGS_INCORRECT_PASSPHRASE")) throw new HarnessError(e.message);
    throw e;
  }
  // A new stack: the salt lives in its checkpoint (`secrets_providers`), where the CLI finds it too; the project's
  // files are not written (the CLI records its own `encryptionsalt` in Pulumi.<stack>.yaml when it first runs).
  return passphraseCipher(passphrase, newSaltState(passphrase), where);
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
