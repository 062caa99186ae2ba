/**
 * Plain `pulumi` commands on a program directory — what a user types: the program's own Pulumi.yaml and `main`,
 * run by Pulumi's Node.js language host (`pulumi-language-nodejs`), TypeScript through the program's own
 * `ts-node`. Local file backend, passphrase secrets, no update checks, no plugin downloads. Secret config is
 * handed to `pulumi config set --secret` on stdin (never argv), so it is stored encrypted.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HarnessError } from "./plugin";
import { readProject } from "./project";
import { redactBackendUrl } from "./state-backend";
import type { CliResourceEvent, PulumiCliResult, PulumiCliRunOptions } from "./pulumi-cli";

/** The language host's executable name. */
const HOST = process.platform === "win32" ? "pulumi-language-nodejs.exe" : "pulumi-language-nodejs";

/** `pulumi-language-nodejs` beside the CLI (where scripts/pulumi-cli.sh builds it), else on the PATH; else undefined. */
export function findLanguageHost(cli: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [path.dirname(cli), ...(env.PATH ?? "").split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = path.join(dir, HOST);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What {@link plainPulumiEnv} needs. */
export interface PlainPulumiEnvOptions {
  cli: string;
  /** A directory from which the program's `@pulumi/pulumi` resolves (the dynamic provider's launcher is in its root). */
  projectDir: string;
  backendDir: string;
  /** A self-managed backend URL instead of the file backend (e.g. OBS through `s3://…`). */
  backendUrl?: string;
  passphrase: string;
  pulumiHome?: string;
  env?: Record<string, string>;
}

/**
 * The environment of a plain `pulumi` command: the file backend, the passphrase, no update check, no plugin
 * downloads, and a PATH holding the CLI's directory (its language host), the program's `@pulumi/pulumi` root
 * (`pulumi-resource-pulumi-nodejs`) and this Node.
 */
export function plainPulumiEnv(opts: PlainPulumiEnvOptions): NodeJS.ProcessEnv {
  let sdkDir: string;
  try {
    sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [opts.projectDir] }));
  } catch {
    throw new HarnessError(`@pulumi/pulumi does not resolve from ${opts.projectDir}: run 'npm install @pulumi/pulumi' in the program`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    PULUMI_BACKEND_URL: opts.backendUrl ?? `file://${path.resolve(opts.backendDir)}`,
    PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: [path.dirname(opts.cli), sdkDir, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (opts.pulumiHome) env.PULUMI_HOME = opts.pulumiHome;
  return env;
}

/** What one `pulumi` command printed and how it ended. */
export interface PulumiCommandResult {
  code: number;
  signal?: string;
  /** stdout and stderr interleaved. */
  output: string;
  /** stdout alone (`--json` answers). */
  stdout: string;
}

/** Options of {@link runPulumiCommand}. */
export interface PulumiCommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to the command's stdin (secret config values), then stdin is closed. */
  input?: string;
  onOutput?: (text: string) => void;
  /** The pid of the command (its own process group: `process.kill(-pid)` stops it with its plugins). */
  onStart?: (pid: number) => void;
}

/** Runs `pulumi ARGS --non-interactive`; resolves with its exit code and output (stdout and stderr interleaved). */
export function runPulumiCommand(cli: string, args: string[], opts: PulumiCommandOptions): Promise<PulumiCommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, [...args, "--non-interactive"], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    if (child.pid === undefined) return reject(new HarnessError(`could not start ${cli}`));
    opts.onStart?.(child.pid);
    let output = "";
    let stdout = "";
    const take = (d: Buffer) => {
      output += d.toString();
      opts.onOutput?.(d.toString());
    };
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      take(d);
    });
    child.stderr.on("data", take);
    child.stdin.on("error", () => {}); // a command that exits before reading its stdin
    child.stdin.end(opts.input ?? "");
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? 1, signal: signal ?? undefined, output, stdout }));
  });
}

/** The hint added to a failure whose output shows the program's TypeScript tooling missing. */
export function typescriptHint(output: string): string | undefined {
  const m = /Cannot find module '(ts-node|typescript)'/.exec(output);
  if (!m) return undefined;
  return `the program is TypeScript and '${m[1]}' is not installed in it: run 'npm install --save-dev typescript@5 ts-node' in the program directory (Pulumi's Node.js language host runs .ts programs through the program's own ts-node)`;
}

interface EngineEventLine {
  resourcePreEvent?: { metadata: EventMetadata };
  resOutputsEvent?: { metadata: EventMetadata };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  diagnosticEvent?: { message: string; severity: string; urn?: string };
}
interface EventMetadata {
  op: string;
  urn: string;
  type: string;
  diffs?: string[];
  detailedDiff?: Record<string, unknown>;
}

/** Reads an `--event-log` file: the resource events, the change summary (without the Stack itself) and error diagnostics. */
export function readEventLog(file: string): { events: CliResourceEvent[]; changes: Record<string, number> | undefined; errors: string[] } {
  const events: CliResourceEvent[] = [];
  const errors: string[] = [];
  let changes: Record<string, number> | undefined;
  let stackOp: string | undefined;
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let e: EngineEventLine;
    try {
      e = JSON.parse(line) as EngineEventLine;
    } catch {
      continue; // a line cut short by a killed run
    }
    if (e.summaryEvent) changes = { ...(e.summaryEvent.resourceChanges ?? {}) };
    if (e.diagnosticEvent && e.diagnosticEvent.severity === "error") errors.push(e.diagnosticEvent.message.trim());
    const m = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
    if (!m) continue;
    if (m.type === "pulumi:pulumi:Stack") stackOp = m.op;
    if (m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) continue;
    events.push({ phase: e.resourcePreEvent ? "pre" : "outputs", op: m.op, urn: m.urn, type: m.type, diffs: m.diffs ?? [],
      detailedDiff: m.detailedDiff ? Object.keys(m.detailedDiff) : undefined });
  }
  // The engine's summary counts the Stack resource too: report the program's resources only.
  if (changes && stackOp && changes[stackOp]) changes[stackOp] -= 1;
  return { events, changes, errors };
}

function operationArgs(opts: PulumiCliRunOptions, eventLog: string): string[] {
  const common = ["--stack", opts.stack, "--color", "never", "--event-log", eventLog, ...(opts.target ?? []).flatMap((t) => ["--target", t])];
  switch (opts.operation) {
    case "preview":
      return ["preview", ...common, ...(opts.diff ? ["--diff"] : []), ...(opts.expectNoChanges ? ["--expect-no-changes"] : []), ...(opts.refresh ? ["--refresh"] : [])];
    case "up":
      return ["up", "--yes", "--skip-preview", ...common, ...(opts.diff ? ["--diff"] : []), ...(opts.expectNoChanges ? ["--expect-no-changes"] : []), ...(opts.refresh ? ["--refresh"] : [])];
    case "refresh":
      return ["refresh", "--yes", "--skip-preview", ...common, ...(opts.expectNoChanges ? ["--expect-no-changes"] : []), ...(opts.clearPendingCreates ? ["--clear-pending-creates"] : [])];
    case "destroy":
      return ["destroy", "--yes", "--skip-preview", ...common];
  }
}

/**
 * Runs one operation with plain `pulumi` commands in the program directory: selects (or creates) the stack with
 * passphrase secrets, sets `opts.config` (plain values with `config set-all --plaintext`, secrets one by one with
 * `config set --secret` reading the value from stdin), runs the operation with an event log, and after an `up`
 * reads the stack outputs (`pulumi stack output --json`; secret ones stay `[secret]`). Resolves with the result
 * whether or not the operation succeeded (`ok`); rejects (HarnessError) only when the project cannot be read or
 * `@pulumi/pulumi` does not resolve from it.
 */
export async function runWithPlainPulumi(opts: PulumiCliRunOptions): Promise<PulumiCliResult> {
  const proj = readProject(opts.projectDir);
  if (!opts.backendUrl) fs.mkdirSync(opts.backendDir, { recursive: true });
  const env = plainPulumiEnv({ ...opts, projectDir: proj.dir });
  const write = opts.onOutput ?? ((t: string) => process.stdout.write(t));
  let output = "";
  const quiet = (args: string[], input?: string) => runPulumiCommand(opts.cli, args, { cwd: proj.dir, env, input });
  const failed = (error: string): PulumiCliResult => {
    const hint = typescriptHint(output + error);
    return { ok: false, operation: opts.operation, changes: {}, outputs: {}, secretOutputs: [], events: [], output, error: hint ? `${error}\n${hint}` : error };
  };

  // In a shared backend only `up` creates a stack: a preview, refresh or destroy of a mistyped name must not
  // leave an empty stack where every runner sees it (plain `pulumi preview --stack typo` refuses as well).
  const create = !opts.backendUrl || opts.operation === "up";
  const selected = await quiet(["stack", "select", ...(create ? ["--create", "--secrets-provider", "passphrase"] : []), opts.stack]);
  if (selected.code !== 0) {
    const missing = !create && /no stack named/i.test(selected.output);
    return failed(missing
      ? `the stack '${opts.stack}' does not exist in the backend ${redactBackendUrl(opts.backendUrl!)}: check --stack, or create it once with \`pulumi stack init ${opts.stack}\` (or \`fgs up\`)\n${selected.output.trim()}`
      : `pulumi stack select ${create ? "--create " : ""}${opts.stack} failed:\n${selected.output.trim()}`);
  }
  const plain = Object.entries(opts.config).filter(([, v]) => !v.secret);
  if (plain.length > 0) {
    const set = await quiet(["config", "set-all", "--stack", opts.stack, ...plain.flatMap(([k, v]) => ["--plaintext", `${k}=${v.value}`])]);
    if (set.code !== 0) return failed(`pulumi config set-all failed:\n${set.output.trim()}`);
  }
  for (const [k, v] of Object.entries(opts.config).filter(([, c]) => c.secret)) {
    const set = await quiet(["config", "set", "--secret", "--stack", opts.stack, k], v.value);
    if (set.code !== 0) return failed(`pulumi config set --secret ${k} failed:\n${set.output.replaceAll(v.value, "[secret]").trim()}`);
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-pulumi-events-"));
  try {
    const eventLog = path.join(tmp, "events.jsonl");
    // `--event-log` (structured engine events, as the Automation API reads them) needs PULUMI_DEBUG_COMMANDS.
    const run = await runPulumiCommand(opts.cli, operationArgs(opts, eventLog), {
      cwd: proj.dir, env: { ...env, PULUMI_DEBUG_COMMANDS: "true" }, onStart: opts.onStart, onOutput: (t) => { output += t; write(t); },
    });
    const log = readEventLog(eventLog);
    const base = { operation: opts.operation, output, events: log.events, changes: log.changes ?? {} };
    if (run.code !== 0) {
      const why = run.signal ? `pulumi ${opts.operation} was stopped by ${run.signal}` : log.errors.join("\n") || `pulumi ${opts.operation} exited with code ${run.code}`;
      return { ...failed(why), ...base };
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    if (opts.operation === "up") {
      const out = await quiet(["stack", "output", "--json", "--stack", opts.stack]);
      if (out.code !== 0) return { ...failed(`pulumi stack output failed:\n${out.output.trim()}`), ...base };
      for (const [k, v] of Object.entries(JSON.parse(out.stdout) as Record<string, unknown>)) {
        if (v === "[secret]") secretOutputs.push(k);
        outputs[k] = v;
      }
    }
    return { ...base, ok: true, outputs, secretOutputs };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
