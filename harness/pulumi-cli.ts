/**
 * The real Pulumi CLI: where it is (the PATH, else the project's build cache — scripts/pulumi-cli.sh) and
 * {@link runWithPulumiCli}, one operation on a program directory through it, in a child process
 * (harness/pulumi-cli-host.ts) that runs the program inline through the Automation API — the fallback for a CLI
 * without Pulumi's Node.js language host (with one, plain `pulumi` commands run the program: pulumi-plain.ts).
 * Local file backend (or any self-managed backend URL, e.g. S3/OBS), passphrase secrets, no update checks, no
 * plugin downloads.
 */
import { fork, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { StackConfig } from "./config";
import { HarnessError } from "./plugin";
import { readProject } from "./project";
import type { Operation } from "./summary";

/** The pinned CLI version (package.json `config.pulumiCli`). */
export function pinnedCliVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as { config: { pulumiCli: string } };
  return pkg.config.pulumiCli;
}

/** Where scripts/pulumi-cli.sh puts the pinned CLI (`FGS_PULUMI_CLI_CACHE`, else the XDG cache). */
export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.FGS_PULUMI_CLI_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "pulumi-functiongraph", "pulumi-cli");
  return path.join(cache, `v${pinnedCliVersion()}`, "bin", "pulumi");
}

function answersVersion(candidate: string): boolean {
  if (!fs.existsSync(candidate)) return false;
  return spawnSync(candidate, ["version"], { encoding: "utf8", timeout: 15_000 }).status === 0;
}

/** The `pulumi` executable to use: one on the PATH that answers `pulumi version`, else the cached build, else undefined. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    if (answersVersion(candidate)) return candidate;
  }
  const cached = cachedCliPath(env);
  return answersVersion(cached) ? cached : undefined;
}

/** Options for {@link runWithPulumiCli}. */
export interface PulumiCliRunOptions {
  /** The `pulumi` executable (its directory must be `<root>/bin`, as the Automation API expects). */
  cli: string;
  /** A directory with Pulumi.yaml; its `main` is the program, run inline. */
  projectDir: string;
  stack: string;
  operation: Operation;
  config: StackConfig;
  /** The local file backend directory (used when no `backendUrl` is given). */
  backendDir: string;
  /**
   * A self-managed backend URL instead, e.g. `s3://bucket?endpoint=…&region=…&s3ForcePathStyle=true` (its
   * credentials — AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY — come through `env`).
   */
  backendUrl?: string;
  /** The passphrase of the passphrase secrets provider. */
  passphrase: string;
  /** PULUMI_HOME (plugins, credentials); default: the user's. */
  pulumiHome?: string;
  /** Extra environment for the CLI, the program and the provider plugin. */
  env?: Record<string, string>;
  diff?: boolean;
  target?: string[];
  expectNoChanges?: boolean;
  refresh?: boolean;
  /** refresh: drop pending creates left by a killed run (`pulumi refresh --clear-pending-creates`). */
  clearPendingCreates?: boolean;
  /** Receives the CLI's output as it comes (default: process.stdout). */
  onOutput?: (text: string) => void;
  /** Called with the child's pid once it runs (its own process group: `process.kill(-pid)` stops the whole run). */
  onStart?: (pid: number) => void;
}

/** One resource step as the engine reported it. */
export interface CliResourceEvent {
  phase: "pre" | "outputs";
  op: string;
  urn: string;
  type: string;
  diffs: string[];
  detailedDiff?: string[];
}

/** What a run under the CLI did. */
export interface PulumiCliResult {
  ok: boolean;
  operation: Operation;
  /** The engine's change summary (`create`, `update`, `same`, …). */
  changes: Record<string, number>;
  /** Stack outputs (secret ones as `[secret]`). */
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  events: CliResourceEvent[];
  /** Everything the CLI printed. */
  output: string;
  error?: string;
}

/** The spec the host receives over IPC. */
export type CliHostSpec = Omit<PulumiCliRunOptions, "onOutput" | "onStart" | "config"> & {
  project: string;
  /** The engine's working directory for the program (see Project.pwd). */
  pwd: string;
  program: string;
  config: Record<string, { value: string; secret: boolean }>;
};

/** Messages from the host. */
export type CliHostMessage =
  | { kind: "output"; text: string }
  | { kind: "done"; changes: Record<string, number>; outputs: Record<string, unknown>; secretOutputs: string[]; events: CliResourceEvent[] }
  | { kind: "failed"; error: string };

/**
 * Runs one operation under the real CLI. Resolves with the result whether or not the operation succeeded
 * (`ok`); rejects only when the project cannot be read.
 */
export function runWithPulumiCli(opts: PulumiCliRunOptions): Promise<PulumiCliResult> {
  const proj = readProject(opts.projectDir);
  if (!opts.backendUrl) fs.mkdirSync(opts.backendDir, { recursive: true });
  const spec: CliHostSpec = {
    cli: opts.cli, projectDir: proj.dir, pwd: proj.pwd, project: proj.name, program: proj.program, stack: opts.stack,
    operation: opts.operation, backendDir: path.resolve(opts.backendDir), backendUrl: opts.backendUrl, passphrase: opts.passphrase,
    pulumiHome: opts.pulumiHome, env: opts.env, diff: opts.diff, target: opts.target,
    expectNoChanges: opts.expectNoChanges, refresh: opts.refresh, clearPendingCreates: opts.clearPendingCreates,
    config: Object.fromEntries(Object.entries(opts.config).map(([k, v]) => [k, { value: v.value, secret: Boolean(v.secret) }])),
  };
  const write = opts.onOutput ?? ((t: string) => process.stdout.write(t));
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "pulumi-cli-host.js"), [], {
      cwd: proj.pwd, detached: true, stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, ...opts.env },
    });
    if (child.pid === undefined) return reject(new HarnessError("could not start the Pulumi CLI host process"));
    opts.onStart?.(child.pid);
    let output = "";
    let stderr = "";
    let done: Extract<CliHostMessage, { kind: "done" }> | undefined;
    let failure: string | undefined;
    child.stdout!.on("data", (d: Buffer) => write(d.toString()));
    child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); write(d.toString()); });
    child.on("message", (m: CliHostMessage) => {
      if (m.kind === "output") { output += m.text; write(m.text); }
      else if (m.kind === "done") done = m;
      else failure = m.error;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const base = { operation: opts.operation, output };
      if (done && code === 0) return resolve({ ...base, ok: true, ...done });
      const error = failure ?? (signal ? `the CLI run was stopped by ${signal}` : `the CLI host exited with code ${code}: ${stderr.trim()}`);
      resolve({ ...base, ok: false, changes: {}, outputs: {}, secretOutputs: [], events: [], error });
    });
    child.send(spec);
  });
}
