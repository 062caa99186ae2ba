/**
 * One stack, one state, whatever the engine: a stack deployed by `fgs up --engine harness` (a function with a
 * published version and a secret environment, an APIG and a TIMER trigger, an alias, a dependency) is then
 * previewed and updated by `fgs … --engine cli` (the real Pulumi CLI on the same file backend) with no change and
 * 0 write requests to the service, and back again; the CLI honours the harness's lock (and its error is printed
 * once); `pulumi stack export` sees the resources. Runs `fgs` as a user would (the built bin), against a test emulator named
 * in `Pulumi.dev.yaml`. Without a CLI the switch is skipped with one loud line, unless FGS_REQUIRE_PULUMI_CLI=1.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { backendPaths, loadState, lockState } from "../../harness";
import { requirePulumiCli } from "./requirements";
import { LOCAL_PASSPHRASE } from "../../bin/commands/stack-op";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const FGS = path.join(REPO_ROOT, "dist", "bin", "fgs.js");
const STACKS_ROOT = path.join(REPO_ROOT, ".fgs-test-stacks");

const PROGRAM = `
const fgs = require("pulumi-functiongraph");
const lib = new fgs.Dependency("lib", { sourceDir: "./lib", runtime: "Node.js18.15", name: "switch-lib" });
const fn = new fgs.Function("fn", {
  sourceDir: "./app", runtime: "Node.js18.15", handler: "index.handler", funcName: "switch-fn",
  publishVersion: true, environment: { GREETING: "hello" }, dependencies: [lib.id],
});
new fgs.Trigger("timer", {
  functionUrn: fn.funcUrn, type: "TIMER", status: "ACTIVE",
  eventData: { name: "tick", schedule_type: "Rate", schedule: "5m", user_event: "hi" },
});
new fgs.Trigger("api", {
  functionUrn: fn.funcUrn, type: "APIG",
  eventData: { group_id: "g1", env_id: "e1", path: "/hello", req_method: "GET", auth: "NONE", protocol: "HTTPS", name: "hello" },
});
new fgs.Alias("live", { functionUrn: fn.funcUrn, version: fn.version });
exports.funcUrn = fn.funcUrn;
exports.version = fn.version;
`;

const RESOURCES = 5;

interface Report {
  ok: boolean;
  engine: string;
  changes: Record<string, number>;
  errors: string[];
}

const cli = requirePulumiCli("tests/pulumi-cli/engine-switch");

/** The counts of a report that are changes (anything but `same`). */
function changed(r: Report): Record<string, number> {
  return Object.fromEntries(Object.entries(r.changes).filter(([k, n]) => k !== "same" && n > 0));
}

describe("one state for both engines", { skip: !cli && "no Pulumi CLI (npm run pulumi-cli)" }, () => {
  let emu: EmulatorHandle;
  let dir: string;
  let output = "";

  /** Runs `fgs OP DIR --json …` (extra environment `extraEnv`) and returns its report. */
  function fgs(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Report> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [FGS, ...args.slice(0, 1), dir, "--json", ...args.slice(1)], {
        cwd: dir,
        env: { ...fgsEnv(), ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", () => {
        try {
          resolve(JSON.parse(stdout) as Report);
        } catch {
          reject(new Error(`fgs ${args.join(" ")} printed no report: ${stdout}\n${output.slice(-4000)}`));
        }
      });
    });
  }

  /** The environment of an fgs run: the emulator's credentials, and no PULUMI_CONFIG_PASSPHRASE (fgs's local one is used). */
  function fgsEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env, HUAWEICLOUD_SDK_AK: emu.credentials.accessKey, HUAWEICLOUD_SDK_SK: emu.credentials.secretKey,
      HW_RETRY_BASE_DELAY_MS: "20", FGS_QUIET: "1",
    };
    delete env.PULUMI_CONFIG_PASSPHRASE;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return env;
  }

  function writes(): string[] {
    return emu.requests({ writesOnly: true }).map((e) => e.operation);
  }

  before(async () => {
    emu = await startEmulator({ quiet: true });
    fs.mkdirSync(STACKS_ROOT, { recursive: true });
    dir = fs.mkdtempSync(path.join(STACKS_ROOT, "switch-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: switch\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"),
      `config:\n  functiongraph:endpoint: ${emu.url}\n  functiongraph:region: ${emu.region}\n  functiongraph:projectId: ${emu.projectId}\n`);
    fs.writeFileSync(path.join(dir, "index.js"), PROGRAM);
    fs.mkdirSync(path.join(dir, "app"));
    fs.writeFileSync(path.join(dir, "app", "index.js"), "exports.handler = async () => 'hi';\n");
    fs.mkdirSync(path.join(dir, "lib", "nodejs", "node_modules", "greet"), { recursive: true });
    fs.writeFileSync(path.join(dir, "lib", "nodejs", "node_modules", "greet", "index.js"), "module.exports = 'hi';\n");
  });
  after(async () => {
    await emu?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("harness up, then the CLI previews and ups with no change and 0 writes, and back again", { timeout: 600_000 }, async () => {
    const first = await fgs(["up", "--engine", "harness"]);
    assert.equal(first.ok, true, first.errors.join("\n") + output.slice(-3000));
    assert.equal(first.changes.create, RESOURCES);
    // The CLI is installed (this suite needs it): the engine line names the flag, not a missing CLI.
    assert.match(output, /engine: the project's engine harness \(--engine harness\)/);
    assert.doesNotMatch(output, /no pulumi CLI found/);
    const checkpoint = backendPaths(path.join(dir, ".fgs", "backend"), "switch", "dev").checkpoint;
    assert.ok(fs.existsSync(checkpoint), "the harness wrote the Pulumi checkpoint");
    assert.equal(fs.existsSync(path.join(dir, ".fgs", "state")), false, "no second state");

    for (const [engine, other] of [["cli", "harness"], ["harness", "cli"], ["cli", "harness"]] as const) {
      emu.clearLog();
      const preview = await fgs(["preview", "--engine", engine]);
      assert.equal(preview.ok, true, `${engine} preview after ${other}: ${preview.errors.join("\n")}${output.slice(-3000)}`);
      assert.deepEqual(changed(preview), {}, `${engine} previews no change on a stack ${other} deployed`);
      const up = await fgs(["up", "--engine", engine, "--expect-no-changes"]);
      assert.equal(up.ok, true, `${engine} up after ${other}: ${up.errors.join("\n")}${output.slice(-3000)}`);
      assert.deepEqual(changed(up), {});
      assert.equal(up.changes.same, RESOURCES);
      assert.deepEqual(writes(), [], `${engine} after ${other}: 0 write requests`);
    }

    // The harness's lock is the backend's: the CLI refuses to run while it is held, and says so once.
    const lock = lockState(backendPaths(path.join(dir, ".fgs", "backend"), "switch", "dev").lockDir, "up");
    const mark = output.length;
    const locked = await fgs(["up", "--engine", "cli"]).finally(() => lock.release());
    assert.equal(locked.ok, false);
    const said = output.slice(mark);
    assert.equal(said.split("the stack is currently locked by 1 lock(s)").length - 1, 1, `the error is printed once:\n${said}`);
    assert.deepEqual(writes(), []);

    // Plain `pulumi` sees the same stack: one of each resource, secrets encrypted with the stack's passphrase.
    const exported = await pulumiCli(["stack", "export", "--stack", "dev"]);
    assert.equal(exported.code, 0, exported.output);
    const types = (JSON.parse(exported.output) as { deployment: { resources: { type: string }[] } }).deployment.resources.map((r) => r.type).sort();
    assert.deepEqual(types, [
      "pulumi-nodejs:dynamic/functiongraph:Alias", "pulumi-nodejs:dynamic/functiongraph:Dependency", "pulumi-nodejs:dynamic/functiongraph:Function",
      "pulumi-nodejs:dynamic/functiongraph:Trigger", "pulumi-nodejs:dynamic/functiongraph:Trigger", "pulumi:providers:pulumi-nodejs", "pulumi:pulumi:Stack",
    ]);
    assert.equal(fs.readFileSync(checkpoint, "utf8").includes("GREETING"), false, "the secret environment is encrypted");

    // A PULUMI_CONFIG_PASSPHRASE left over from another stack: the CLI's bare error comes with the fix.
    const wrongFrom = output.length;
    const wrong = await fgs(["preview", "--engine", "cli"], { PULUMI_CONFIG_PASSPHRASE: "another stack's passphrase" });
    assert.equal(wrong.ok, false);
    assert.match(output.slice(wrongFrom), /incorrect passphrase/);
    assert.match(output.slice(wrongFrom), /fix: the stack's secrets were encrypted with another passphrase than PULUMI_CONFIG_PASSPHRASE: set PULUMI_CONFIG_PASSPHRASE to the passphrase the stack was created with, or unset it/);

    const destroyed = await fgs(["destroy", "--engine", "harness"]);
    assert.equal(destroyed.ok, true, destroyed.errors.join("\n"));
    assert.equal(emu.functions().length, 0);
    assert.deepEqual(loadState(checkpoint, "switch", "dev").resources, []);
  });

  /** Runs the real `pulumi` in the project on fgs's backend. */
  function pulumiCli(args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(cli!, [...args, "--non-interactive"], {
        cwd: dir,
        env: {
          ...process.env, PULUMI_BACKEND_URL: `file://${path.join(dir, ".fgs", "backend")}`, PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
          PULUMI_HOME: path.join(dir, ".fgs", "home"), PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? 1, output: code === 0 ? out : out + err }));
    });
  }
});
