/**
 * The real Pulumi CLI, when one is on the PATH: the same operations as {@link runStack} on a local file backend,
 * with the stack config set through `pulumi config set [--secret]` (secret values go through stdin, never argv).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "./config";
import type { Operation } from "./summary";

/** Options for {@link runWithPulumiCli}. */
export interface CliOptions {
  projectDir: string;
  stack: string;
  operation: Operation;
  config: StackConfig;
  /** The local file backend directory (`file://` backend). */
  backendDir: string;
  /** The fixed passphrase of the passphrase secrets provider. */
  passphrase: string;
}

/** The `pulumi` executable on the PATH that answers `pulumi version`, or undefined. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, process.platform === "win32" ? "pulumi.exe" : "pulumi");
    if (!fs.existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ["version"], { encoding: "utf8", timeout: 15_000 });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/**
 * Runs the operation with the CLI (output straight to the terminal); resolves with its exit code. Asynchronous
 * on purpose: the demo's emulator runs in this process, and a synchronous spawn would stop it from answering
 * the very requests the CLI's provider plugin sends.
 */
export async function runWithPulumiCli(cli: string, opts: CliOptions): Promise<number> {
  fs.mkdirSync(opts.backendDir, { recursive: true });
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${opts.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const run = (args: string[], input?: string): Promise<number> => new Promise((resolve) => {
    const child = spawn(cli, args, { cwd: opts.projectDir, env, stdio: [input === undefined ? "inherit" : "pipe", "inherit", "inherit"] });
    child.on("error", () => resolve(1));
    child.on("close", (code) => resolve(code ?? 1));
    if (input !== undefined) child.stdin?.end(input); // secrets go through stdin, never argv
  });
  if (await run(["stack", "select", opts.stack, "--create", "--secrets-provider", "passphrase"]) !== 0) return 1;
  for (const [key, v] of Object.entries(opts.config)) {
    const args = ["config", "set", key, "--stack", opts.stack, ...(v.secret ? ["--secret"] : [])];
    if (await run(args, v.value) !== 0) return 1;
  }
  const common = ["--stack", opts.stack, "--non-interactive"];
  switch (opts.operation) {
    case "preview":
      return run(["preview", ...common]);
    case "up":
      return run(["up", "--yes", "--skip-preview=false", ...common]);
    case "refresh":
      return run(["refresh", "--yes", ...common]);
    case "destroy":
      return run(["destroy", "--yes", ...common]);
  }
}
