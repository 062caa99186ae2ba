/**
 * `fgs up | preview | refresh | destroy [DIR]`: runs a Pulumi program directory (its Pulumi.yaml) with the real
 * Pulumi CLI when one is found (the PATH, or the project's build cache) — plain `pulumi` commands when Pulumi's
 * Node.js language host is found beside it or on the PATH, else the program inline through the Automation API —
 * and with the engine harness without a CLI — against
 * the embedded emulator (one per data dir: a held one is reported with `--endpoint` as the fix), a running
 * endpoint (`--endpoint URL`), or the endpoint in the stack's config file (`Pulumi.<stack>.yaml`). Local state
 * lives under DIR/.fgs (or --state-dir), never inside node_modules: one file backend (`backend/`) that both
 * engines read and write, so switching engines on a deployed stack changes nothing; with the CLI, `--backend` (or
 * PULUMI_BACKEND_URL, or Pulumi.yaml `backend.url`) puts it in a shared backend such as OBS instead.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import type { DataDirLockedError } from "../../emulator/store/data-dir-lock";
import type { Target } from "../../provider/auth/resolve-target";
import { commandTarget } from "./invoke-target";
import {
  backendUrlProblem, envPassphrase, findLanguageHost, findPulumiCli, migrateLegacyState, readProject, redactBackendUrl,
  runStack, runWithPlainPulumi, runWithPulumiCli, type StackRunError, unshownError,
  type EnvPassphrase, type Operation, type Project, type StackConfig,
} from "../../harness";
import { endpointEnvName, regionEndpoint } from "../../provider/auth/resolve-target";
import type { Command, OptionValues } from "../command";
import { UsageError } from "../command";
import { hasCode } from "../../provider/errors";

/** The passphrase of local stacks aimed at the emulator, unless PULUMI_CONFIG_PASSPHRASE(_FILE) is set (it guards dev keys only). */
export const LOCAL_PASSPHRASE = "pulumi-functiongraph-local";

/** What one stack operation is asked to do. */
export interface StackOpArgs {
  operation: Operation;
  projectDir: string;
  stack: string;
  /** Local state root: the stack's file backend (both engines), the emulator's data. */
  stateDir: string;
  engine: "auto" | "cli" | "harness";
  json: boolean;
  diff: boolean;
  target?: string[];
  expectNoChanges: boolean;
  /** `--backend URL`: the Pulumi CLI's state backend (e.g. OBS through s3://…), shared with plain `pulumi`. */
  backend?: string;
  /** `--endpoint URL`: a running FunctionGraph endpoint (e.g. `fgs emulator`'s) instead of the embedded emulator. */
  endpoint?: string;
  /** After a successful `up` on the embedded emulator, while it still runs (the demo invokes its functions). */
  afterUp?: (emu: EmulatorHandle, outputs: Record<string, unknown>, say: (text: string) => void) => Promise<void>;
}

/** The machine-readable outcome (`--json`). */
export interface StackOpReport {
  ok: boolean;
  engine: "cli" | "harness";
  operation: Operation;
  stack: string;
  /**
   * The embedded emulator; `--endpoint`; `functiongraph:endpoint` in Pulumi.<stack>.yaml; or, with a shared
   * backend, what plain `pulumi` would use (stack config + environment).
   */
  target: "emulator" | "endpoint" | "stack-config" | "environment";
  changes: Record<string, number>;
  outputs: Record<string, unknown>;
  errors: string[];
}

/** The stack config that points the provider at an emulator; the credentials are secrets. */
export function emulatorConfig(emu: Pick<EmulatorHandle, "url" | "region" | "projectId" | "credentials">): StackConfig {
  return {
    "functiongraph:endpoint": { value: emu.url },
    "functiongraph:region": { value: emu.region },
    "functiongraph:projectId": { value: emu.projectId },
    "functiongraph:accessKey": { value: emu.credentials.accessKey, secret: true },
    "functiongraph:secretKey": { value: emu.credentials.secretKey, secret: true },
  };
}

/** The same target as environment variables (read at run time by the provider; nothing is written to the project). */
export function emulatorEnv(emu: Pick<EmulatorHandle, "url" | "region" | "projectId" | "credentials">): Record<string, string> {
  return {
    HUAWEICLOUD_SDK_AK: emu.credentials.accessKey,
    HUAWEICLOUD_SDK_SK: emu.credentials.secretKey,
    HUAWEICLOUD_SDK_PROJECT_ID: emu.projectId,
    HW_REGION_NAME: emu.region,
    [endpointEnvName(emu.region)]: emu.url,
  };
}

/** The environment that points the provider at `--endpoint`'s target (credentials only when they are keys). */
function targetEnv(t: Target): Record<string, string> {
  if (t.credentials.kind === "aksk") {
    return emulatorEnv({ url: t.endpoint, region: t.region, projectId: t.projectId, credentials: t.credentials });
  }
  return { HUAWEICLOUD_SDK_PROJECT_ID: t.projectId, HW_REGION_NAME: t.region, [endpointEnvName(t.region)]: t.endpoint };
}

/**
 * What `fgs <op>` says when its embedded emulator's data dir is held by another emulator (typically `fgs emulator
 * --data-dir DIR/.fgs/emulator`): deploy to that one with --endpoint, stop it, or use another --state-dir.
 */
export function lockedAdvice(operation: Operation, e: DataDirLockedError): string {
  const url = e.holder.url ?? "http://127.0.0.1:<its port>";
  return `the embedded emulator's data dir ${e.dataDir} is in use by another emulator (pid ${e.holder.pid}${e.holder.url ? `, serving ${e.holder.url}` : ""}): ` +
    `run against it with \`fgs ${operation} --endpoint ${url}\` (same data, same functions), or stop it and run again, ` +
    "or give this run its own --state-dir";
}

/** Plain values of `Pulumi.<stack>.yaml` (`secure:` values are left to the CLI, which can decrypt them). */
export function readStackConfigFile(projectDir: string, stack: string): { values: StackConfig; secure: string[] } | undefined {
  const file = ["yaml", "yml"].map((e) => path.join(projectDir, `Pulumi.${stack}.${e}`)).find((f) => fs.existsSync(f));
  if (!file) return undefined;
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const values: StackConfig = {};
  const secure: string[] = [];
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (v && typeof v === "object" && "secure" in v) secure.push(k);
    else if (v !== null && typeof v !== "object") values[k] = { value: String(v) };
  }
  return { values, secure };
}

/** The package root (this file runs from dist/bin/commands). */
const PACKAGE_ROOT = path.resolve(__dirname, "../../..");

/**
 * How to get a Pulumi CLI (`what`: "a CLI" or "the language host"): `npm run pulumi-cli` only in a checkout of this
 * repository (an installed package has no scripts/), else Pulumi's installer.
 */
export function cliBuildHint(what: "cli" | "language host"): string {
  if (fs.existsSync(path.join(PACKAGE_ROOT, "scripts", "pulumi-cli.sh"))) {
    return `'npm run pulumi-cli' in ${PACKAGE_ROOT} builds ${what === "cli" ? "one" : "it"}`;
  }
  return what === "cli"
    ? "install the Pulumi CLI (https://www.pulumi.com/docs/install/)"
    : "a regular Pulumi install (https://www.pulumi.com/docs/install/) puts pulumi-language-nodejs beside pulumi";
}

/** A state backend and where its URL came from. */
export interface ResolvedBackend {
  url: string;
  from: string;
}

/**
 * The state backend, as plain `pulumi` would choose it: `--backend`, else PULUMI_BACKEND_URL, else Pulumi.yaml
 * `backend.url`; undefined means fgs's local file state under --state-dir.
 */
export function resolveBackend(flag: string | undefined, project: Pick<Project, "file" | "backendUrl">, env: NodeJS.ProcessEnv = process.env): ResolvedBackend | undefined {
  if (flag) return { url: flag, from: "--backend" };
  if (env.PULUMI_BACKEND_URL) return { url: env.PULUMI_BACKEND_URL, from: "PULUMI_BACKEND_URL" };
  return project.backendUrl ? { url: project.backendUrl, from: `${path.basename(project.file)} backend.url` } : undefined;
}

/** Where the provider will send calls given the stack's plain config and the environment, for the banner; never credentials. */
export function describeEnvTarget(config: StackConfig, env: NodeJS.ProcessEnv = process.env): string {
  const region = config["functiongraph:region"]?.value || env.HW_REGION_NAME;
  if (!region) return "no region set: set functiongraph:region or HW_REGION_NAME";
  const override = env[endpointEnvName(region)];
  return override ? `${redactBackendUrl(override)} from ${endpointEnvName(region)}` : `${regionEndpoint(region)}, region ${region}`;
}

function insideNodeModules(p: string): boolean {
  return path.resolve(p).split(path.sep).includes("node_modules");
}

/** Runs one operation; writes human output (stdout, or stderr with --json) and returns the exit code. */
export async function runStackOperation(args: StackOpArgs): Promise<number> {
  const human = (t: string) => (args.json ? process.stderr : process.stdout).write(t);
  const report = (r: StackOpReport) => {
    if (args.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return r.ok ? 0 : 1;
  };
  if (insideNodeModules(args.stateDir)) {
    throw new UsageError(`the state directory ${args.stateDir} is inside node_modules (it would be lost on the next install): pass --state-dir`);
  }
  let project;
  try {
    project = readProject(args.projectDir);
  } catch (e) {
    process.stderr.write(`fgs ${args.operation}: ${(e as Error).message}\n`);
    return 1;
  }
  const backend = resolveBackend(args.backend, project);
  if (backend) {
    const problem = backendUrlProblem(backend.url);
    if (problem) throw new UsageError(`${backend.from}: ${problem}`);
    if (args.engine === "harness") {
      throw new UsageError(`the state backend ${redactBackendUrl(backend.url)} (${backend.from}) needs the Pulumi CLI engine: the engine harness keeps its own local state under --state-dir; drop --engine harness, or drop the backend`);
    }
  }
  let fromEnv: EnvPassphrase | undefined;
  try {
    fromEnv = envPassphrase(process.env);
  } catch (e) {
    if (!hasCode(e, "FGS_HARNESS")) throw e;
    throw new UsageError(e.message);
  }
  if (backend && fromEnv === undefined) {
    throw new UsageError(`the shared state backend ${redactBackendUrl(backend.url)} (${backend.from}) needs your stack's secrets passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE); fgs's built-in local passphrase guards emulator keys only`);
  }
  const passphrase = fromEnv?.value ?? LOCAL_PASSPHRASE;
  const fileConfig = readStackConfigFile(project.dir, args.stack);
  const remote = fileConfig !== undefined && "functiongraph:endpoint" in fileConfig.values;
  let given: Target | undefined;
  if (args.endpoint !== undefined) {
    if (remote) throw new UsageError(`--endpoint and functiongraph:endpoint in Pulumi.${args.stack}.yaml both name the target: give one`);
    if (backend) throw new UsageError(`--endpoint with the shared state backend ${redactBackendUrl(backend.url)} (${backend.from}): its stack deploys where plain pulumi does (the stack config and the environment); drop --endpoint`);
    try {
      given = commandTarget(args.endpoint);
    } catch (e) {
      throw new UsageError(`--endpoint: ${(e as Error).message}`);
    }
  }
  let cli: string | undefined;
  if (args.engine !== "harness") {
    cli = findPulumiCli();
    if (!cli && (args.engine === "cli" || backend)) {
      const why = backend ? `the state backend ${redactBackendUrl(backend.url)} (${backend.from}) needs the Pulumi CLI` : "no pulumi CLI";
      process.stderr.write(`fgs ${args.operation}: ${why}: none on the PATH or in the build cache (${cliBuildHint("cli")})${backend ? "" : ", or use --engine harness"}\n`);
      return 1;
    }
  }
  if (!cli && remote && fileConfig.secure.length > 0) {
    process.stderr.write(`fgs ${args.operation}: the engine harness cannot decrypt secure values in Pulumi.${args.stack}.yaml (${fileConfig.secure.join(", ")}): give credentials through the environment (HUAWEICLOUD_SDK_AK/SK) or use the Pulumi CLI\n`);
    return 1;
  }

  let emu: EmulatorHandle | undefined;
  try {
    let env: Record<string, string> = {};
    if (!remote && backend) {
      // A shared backend's stack is deployed wherever plain \`pulumi\` deploys it (the stack config and the
      // runner's environment: HUAWEICLOUD_SDK_* / HW_*, the region's endpoint or its override). An embedded
      // emulator lives on this machine only: aiming a shared stack at it would plan to "restore" every function
      // into it (or, with destroy, forget them) and write that into the state every runner reads.
      human(`target: the stack's config and the environment, as plain pulumi (${describeEnvTarget(fileConfig?.values ?? {})}); a shared backend never uses the embedded emulator\n`);
    } else if (given) {
      env = targetEnv(given);
      human(`target: ${given.endpoint} (--endpoint, region ${given.region})\n`);
    } else if (!remote) {
      const dataDir = path.join(args.stateDir, "emulator");
      try {
        emu = await startEmulator({ dataDir, quiet: true });
      } catch (e) {
        if (!hasCode<DataDirLockedError>(e, "FGS_DATA_DIR_LOCKED")) throw e;
        const message = lockedAdvice(args.operation, e);
        process.stderr.write(`fgs ${args.operation}: ${message}\n`);
        return report({ ok: false, operation: args.operation, stack: args.stack, target: "emulator", engine: cli ? "cli" : "harness", changes: {}, outputs: {}, errors: [message] });
      }
      env = emulatorEnv(emu);
      human(`FunctionGraph emulator at ${emu.url} (region ${emu.region}, data in ${dataDir})\n`);
    } else {
      human(`target: ${fileConfig.values["functiongraph:endpoint"].value} (from Pulumi.${args.stack}.yaml)\n`);
    }
    const base = { ok: false, operation: args.operation, stack: args.stack, target: given ? "endpoint" : remote ? "stack-config" : backend ? "environment" : "emulator" } as const;
    // One state per stack whatever the engine: the Pulumi checkpoint in this file backend, same passphrase
    // (or, with the CLI, the shared backend the user named).
    const backendDir = path.join(args.stateDir, "backend");
    const backendShown = backend ? `${redactBackendUrl(backend.url)} (${backend.from})` : `file://${backendDir}`;
    if (!backend) {
      let migrated: ReturnType<typeof migrateLegacyState>;
      try {
        migrated = migrateLegacyState({
          legacyFile: path.join(args.stateDir, "state", `${args.stack}.json`), backendDir, project: project.name, stack: args.stack,
          projectDir: project.dir, passphrase, legacyPassphrase: process.env.PULUMI_CONFIG_PASSPHRASE,
        });
      } catch (e) {
        if (!hasCode(e, "FGS_HARNESS")) throw e;
        process.stderr.write(`fgs ${args.operation}: ${e.message}\n`);
        return report({ ...base, engine: cli ? "cli" : "harness", changes: {}, outputs: {}, errors: [e.message] });
      }
      if (migrated.migrated) {
        human(`moved the ${migrated.resources} resource(s) of the old harness state ${migrated.from} into the stack's checkpoint ${migrated.checkpoint} (the old file is kept as ${migrated.keptAs})\n`);
      }
    }
    if (cli) {
      const host = findLanguageHost(cli);
      if (host) human(`engine: plain pulumi (${cli}, language host ${host}), backend ${backendShown}\n`);
      else {
        human(`engine: the Pulumi CLI (${cli}), backend ${backendShown}\n`);
        human(`note: no pulumi-language-nodejs beside the CLI or on the PATH: running the program inline through the Automation API (${cliBuildHint("language host")})\n`);
      }
      let shown = "";
      let r;
      try {
        r = await (host ? runWithPlainPulumi : runWithPulumiCli)({
          cli, projectDir: project.dir, stack: args.stack, operation: args.operation, config: {}, env, backendDir,
          backendUrl: backend?.url, passphrase,
          diff: args.diff, target: args.target, expectNoChanges: args.expectNoChanges, onOutput: (t) => { shown += t; human(t); },
        });
      } catch (e) {
        if (!hasCode(e, "FGS_HARNESS")) throw e;
        process.stderr.write(`fgs ${args.operation}: ${e.message}\n`);
        return report({ ...base, engine: "cli", changes: {}, outputs: {}, errors: [e.message] });
      }
      if (!r.ok) {
        const rest = unshownError(r.error ?? "", shown);
        human(rest ? `\nfgs ${args.operation} failed: ${rest}\n` : `\nfgs ${args.operation} failed (the error is above)\n`);
        const hint = passphraseHint(`${shown}\n${r.error ?? ""}`, fromEnv?.from);
        if (hint) human(`${hint}\n`);
      }
      if (r.ok && args.operation === "up" && emu && args.afterUp) await args.afterUp(emu, r.outputs, human);
      return report({ ...base, ok: r.ok, engine: "cli", changes: r.changes, outputs: r.outputs, errors: r.error ? [r.error] : [] });
    }
    const why = args.engine === "harness" ? "--engine harness" : `no pulumi CLI found; ${cliBuildHint("cli")}`;
    human(`engine: the project's engine harness (${why}), backend ${backendShown}\n\n`);
    if (args.target?.length || args.diff) human("note: --target and --diff need the Pulumi CLI; the harness ignores them\n");
    try {
      const r = await runStack({
        operation: args.operation, projectDir: project.dir, stack: args.stack,
        backendDir, secretsPassphrase: passphrase, config: remote ? fileConfig.values : {}, env,
        onOutput: (line) => human(`    ${line}\n`),
      });
      human(r.summary);
      const changed = r.counts.create + r.counts.update + r.counts.replace + r.counts.delete;
      if (args.expectNoChanges && changed > 0) {
        human(`\nerror: no changes were expected but ${changed} resource(s) changed\n`);
        return report({ ...base, engine: "harness", changes: r.counts, outputs: r.outputs, errors: ["changes were not expected"] });
      }
      if (args.operation === "up" && emu && args.afterUp) await args.afterUp(emu, r.outputs, human);
      return report({ ...base, ok: true, engine: "harness", changes: r.counts, outputs: r.outputs, errors: [] });
    } catch (e) {
      if (hasCode<StackRunError>(e, "FGS_STACK_RUN")) {
        human(e.result.summary);
        return report({ ...base, engine: "harness", changes: e.result.counts, outputs: e.result.outputs, errors: e.result.errors });
      }
      if (hasCode(e, "FGS_HARNESS")) {
        process.stderr.write(`fgs ${args.operation}: ${e.message}\n`);
        return report({ ...base, engine: "harness", changes: {}, outputs: {}, errors: [e.message] });
      }
      throw e;
    }
  } finally {
    await emu?.close();
  }
}

const OPTIONS = {
  stack: { type: "string", short: "s" },
  "state-dir": { type: "string" },
  engine: { type: "string" },
  json: { type: "boolean" },
  diff: { type: "boolean" },
  target: { type: "string", multiple: true },
  "expect-no-changes": { type: "boolean" },
  backend: { type: "string" },
  endpoint: { type: "string" },
} as const;

function usage(op: Operation): string {
  return `usage: fgs ${op} [DIR] [--stack NAME] [--state-dir DIR] [--engine auto|cli|harness] [--backend URL] [--endpoint URL] [--json]${op === "preview" || op === "up" ? " [--diff] [--expect-no-changes]" : ""} [--target URN]...

  DIR                  a Pulumi program directory (its Pulumi.yaml); default: the current directory
  --stack NAME         the stack (default dev)
  --state-dir DIR      local state: the stack's file backend (one state for both engines), the emulator's data
                       (default DIR/.fgs; never inside node_modules)
  --engine E           auto (default): the Pulumi CLI when one is found, else the engine harness
  --backend URL        the Pulumi CLI's state backend, shared with plain \`pulumi\` (e.g. OBS:
                       s3://BUCKET?endpoint=https://obs.REGION.myhuaweicloud.com&region=REGION);
                       default: PULUMI_BACKEND_URL, else Pulumi.yaml backend.url, else local state.
                       Needs the Pulumi CLI and PULUMI_CONFIG_PASSPHRASE (README "GitOps")
  --endpoint URL       a running FunctionGraph endpoint instead of the embedded emulator, e.g. \`fgs emulator\`'s
                       (a loopback one without HW_*/HUAWEICLOUD_SDK_* keys is signed with the emulator's dev keys)
  --json               print a JSON report on stdout (human output goes to stderr)
  --diff               show old → new values (Pulumi CLI)
  --target URN         only this resource (repeatable; Pulumi CLI)
  --expect-no-changes  fail when anything would change

The target is the embedded FunctionGraph emulator, unless --endpoint names one or Pulumi.<stack>.yaml sets functiongraph:endpoint, or
the state is in a shared backend: then, as plain \`pulumi\`, the stack's config and the environment (HW_REGION_NAME,
HUAWEICLOUD_SDK_AK/SK, HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_<REGION> for another endpoint).
Exit code: 0 ok, 1 the operation failed, 2 bad usage.
`;
}

/** Turns parsed options into {@link StackOpArgs}. */
export function stackOpArgs(operation: Operation, values: OptionValues, positionals: string[]): StackOpArgs {
  const engine = (values.engine as string | undefined) ?? "auto";
  if (engine !== "auto" && engine !== "cli" && engine !== "harness") {
    throw new UsageError(`--engine must be auto, cli or harness, got '${engine}'`);
  }
  const projectDir = path.resolve(positionals[0] ?? ".");
  return {
    operation, projectDir, engine,
    stack: (values.stack as string | undefined) ?? "dev",
    stateDir: path.resolve((values["state-dir"] as string | undefined) ?? path.join(projectDir, ".fgs")),
    json: Boolean(values.json), diff: Boolean(values.diff), target: values.target as string[] | undefined,
    expectNoChanges: Boolean(values["expect-no-changes"]),
    backend: values.backend as string | undefined,
    endpoint: values.endpoint as string | undefined,
  };
}

function stackCommand(operation: Operation, summary: string): Command {
  return {
    summary, usage: usage(operation), options: OPTIONS, positionals: { min: 0, max: 1 },
    run: (values, positionals) => runStackOperation(stackOpArgs(operation, values, positionals)),
  };
}

/** `fgs up [DIR]`. */
export const up = stackCommand("up", "deploy a Pulumi program directory (to the embedded emulator by default)");
/** `fgs preview [DIR]`. */
export const preview = stackCommand("preview", "show what `up` would change, change nothing");
/** `fgs refresh [DIR]`. */
export const refresh = stackCommand("refresh", "read every resource back and record what changed outside");
/** `fgs destroy [DIR]`. */
export const destroy = stackCommand("destroy", "delete every resource of the stack");

/**
 * The fix for the CLI's bare "incorrect passphrase": which passphrase fgs used (PULUMI_CONFIG_PASSPHRASE or
 * its local one) and what to set instead; undefined when the CLI's output is not that error.
 */
export function passphraseHint(cliOutput: string, from: EnvPassphrase["from"] | undefined): string | undefined {
  if (!/incorrect passphrase/i.test(cliOutput)) return undefined;
  if (from === undefined) {
    return `fix: the stack's secrets were encrypted with another passphrase than fgs's local passphrase (${LOCAL_PASSPHRASE}): ` +
      "set PULUMI_CONFIG_PASSPHRASE to the passphrase the stack was created with";
  }
  const where = from === "PULUMI_CONFIG_PASSPHRASE" ? "set PULUMI_CONFIG_PASSPHRASE to" : "write into the file PULUMI_CONFIG_PASSPHRASE_FILE names";
  return `fix: the stack's secrets were encrypted with another passphrase than ${from}: ${where} the passphrase the stack was created with, ` +
    "or unset it if fgs created the stack without one";
}
