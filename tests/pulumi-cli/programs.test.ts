/**
 * Plain `pulumi` as a user runs it, on program directories, against the embedded emulator:
 * - the `pulumi new` template (templates/functiongraph-typescript): `pulumi new ./templates/… --yes --stack dev`,
 *   `npm install` of this package's packed tarball (with the template's typescript and ts-node), secrets with
 *   `pulumi config set --secret`, then `pulumi up` → no-op → edit → `pulumi preview --diff` names the file → one
 *   `PUT …/code` → `pulumi stack export` and Pulumi.dev.yaml hold no credential in clear → `pulumi refresh` →
 *   `pulumi destroy`; and the installed `fgs up --engine cli` runs the same program with plain pulumi;
 * - every example's own Pulumi.yaml (a copy under .fgs-test-stacks, so no stack file lands in examples/);
 * - the repository's root Pulumi.yaml as `npm start` runs it (`fgs demo --engine cli`), twice.
 * Skipped with one loud line without a CLI or language host, unless FGS_REQUIRE_PULUMI_CLI=1 (CI).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { plainPulumiEnv, runPulumiCommand, runWithPlainPulumi } from "../../harness";
import { emulatorConfig } from "../../bin/commands/stack-op";
import { requirePlainPulumi } from "./requirements";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const found = requirePlainPulumi("tests/pulumi-cli/programs");
const PASSPHRASE = "programs-test-passphrase";

function writes(emu: EmulatorHandle): string[] {
  return emu.requests({ writesOnly: true }).map((e) => e.operation);
}

describe("plain pulumi on program directories", { skip: !found && "no Pulumi CLI or language host (npm run pulumi-cli)" }, () => {
  let emu: EmulatorHandle;
  let root: string;
  before(async () => {
    emu = await startEmulator({ quiet: true });
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "fgs-plain-")));
  });
  after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("pulumi new from the template, the packed tarball installed, then up, no-op, edit, export, refresh, destroy", { timeout: 900_000 }, async () => {
    const { cli } = found!;
    const backend = path.join(root, "backend");
    fs.mkdirSync(backend, { recursive: true });
    const home = path.join(root, "home");
    // Before `npm install` the program has no @pulumi/pulumi: the CLI's own environment only.
    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PATH: [path.dirname(cli), path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
    };
    const project = path.join(root, "hello-fgs");
    const created = await runPulumiCommand(cli, [
      "new", path.join(REPO_ROOT, "templates", "functiongraph-typescript"), "--yes", "--stack", "dev", "--dir", project,
      "--name", "hello-fgs", "--secrets-provider", "passphrase",
      "--config", `functiongraph:region=${emu.region}`, "--config", `functiongraph:projectId=${emu.projectId}`,
      "--config", `functiongraph:endpoint=${emu.url}`,
    ], { cwd: root, env: baseEnv });
    // Until pulumi-functiongraph is on a registry, `pulumi new`'s own `npm install` stops at it (E404), after the
    // stack and its config were made; the tarball install below completes it. Any other failure fails the test.
    if (created.code !== 0) assert.match(created.output, /E404[\s\S]*pulumi-functiongraph@/, `pulumi new:\n${created.output}`);
    assert.ok(fs.existsSync(path.join(project, "Pulumi.dev.yaml")), `pulumi new made the stack:\n${created.output}`);
    const stackYaml = fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8");
    assert.match(stackYaml, new RegExp(`functiongraph:projectId: "?${emu.projectId}`), "the template asked for the project id");
    assert.match(stackYaml, /functiongraph:endpoint: "?http:\/\/127\.0\.0\.1/, "the template asked for the endpoint");

    const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", root], { cwd: REPO_ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", path.join(root, tgz)], { cwd: project, stdio: "pipe", timeout: 600_000 });
    for (const dep of ["pulumi-functiongraph", "@pulumi/pulumi", "typescript", "ts-node"]) {
      assert.ok(fs.existsSync(path.join(project, "node_modules", dep, "package.json")), `${dep} is installed in the program`);
    }

    const env = plainPulumiEnv({ cli, projectDir: project, backendDir: backend, passphrase: PASSPHRASE, pulumiHome: home });
    const pulumi = async (args: string[], input?: string) => {
      const r = await runPulumiCommand(cli, args, { cwd: project, env, input });
      assert.equal(r.code, 0, `pulumi ${args.join(" ")}:\n${r.output}`);
      return r;
    };
    await pulumi(["config", "set", "--secret", "functiongraph:accessKey"], emu.credentials.accessKey);
    await pulumi(["config", "set", "--secret", "functiongraph:secretKey"], emu.credentials.secretKey);

    emu.clearLog();
    await pulumi(["up", "--yes"]);
    assert.deepEqual(writes(emu), ["import"]);
    const digest = (await pulumi(["stack", "output", "digest"])).stdout.trim();
    assert.match(digest, /^[0-9a-f]{128}$/);

    emu.clearLog();
    await pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    assert.deepEqual(writes(emu), [], "an unchanged program makes no write call");

    fs.writeFileSync(path.join(project, "app", "index.js"), "exports.handler = async () => ({ statusCode: 200, body: 'edited' });\n");
    const preview = await pulumi(["preview", "--diff"]);
    assert.match(preview.output, /index\.js/, "pulumi preview --diff names the changed file");
    await pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(writes(emu), ["updateCode"]);
    const edited = (await pulumi(["stack", "output", "digest"])).stdout.trim();
    assert.notEqual(edited, digest, "the new code's digest");

    const exported = (await pulumi(["stack", "export"])).stdout;
    const stackFile = fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8");
    assert.match(stackFile, /functiongraph:accessKey:\s*\n\s*secure: /);
    for (const secret of [emu.credentials.accessKey, emu.credentials.secretKey]) {
      assert.equal(exported.includes(secret), false, "no credential in pulumi stack export");
      assert.equal(stackFile.includes(secret), false, "no credential in clear in Pulumi.dev.yaml");
    }

    emu.clearLog();
    await pulumi(["refresh", "--yes", "--skip-preview"]);
    assert.deepEqual(writes(emu), [], "refresh only reads");

    // The installed `fgs` runs the same program with plain pulumi (another stack, its own state and embedded emulator).
    const fgs = spawnSync(process.execPath, [path.join(project, "node_modules/pulumi-functiongraph/dist/bin/fgs.js"), "up", "--engine", "cli", "--stack", "local", "--json", "--state-dir", path.join(root, "fgs-state")], {
      cwd: project, encoding: "utf8", timeout: 300_000, env: { ...process.env, PATH: baseEnv.PATH, FGS_QUIET: "1", PULUMI_HOME: home },
    });
    assert.equal(fgs.status, 0, fgs.stderr);
    assert.match(fgs.stderr, /engine: plain pulumi/);
    const report = JSON.parse(fgs.stdout) as { engine: string; changes: Record<string, number>; outputs: { digest: string } };
    assert.equal(report.engine, "cli");
    assert.equal(report.changes.create, 1);
    assert.equal(report.outputs.digest, edited, "the same source deploys the same package (outputs read back)");

    emu.clearLog();
    await pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(writes(emu), ["delete"]);
    assert.deepEqual(emu.functions(), []);
  });

  it("every example's own Pulumi.yaml: up, then destroy", { timeout: 900_000 }, async () => {
    const examples = fs.readdirSync(path.join(REPO_ROOT, "examples")).filter((e) => fs.existsSync(path.join(REPO_ROOT, "examples", e, "Pulumi.yaml")));
    assert.ok(examples.length >= 3, `examples with a Pulumi.yaml: ${examples.join(", ")}`);
    const stacks = path.join(REPO_ROOT, ".fgs-test-stacks");
    fs.mkdirSync(stacks, { recursive: true });
    const copy = fs.mkdtempSync(path.join(stacks, "examples-"));
    try {
      // The examples are independent programs (own project, own stack): run them side by side.
      const run = (name: string, operation: "up" | "destroy") => runWithPlainPulumi({
        cli: found!.cli, projectDir: path.join(copy, name), stack: "dev", operation, config: operation === "up" ? emulatorConfig(emu) : {},
        backendDir: path.join(copy, ".backend"), passphrase: PASSPHRASE, pulumiHome: path.join(copy, ".home"), onOutput: () => {},
      });
      for (const name of examples) fs.cpSync(path.join(REPO_ROOT, "examples", name), path.join(copy, name), { recursive: true });
      emu.clearLog();
      const ups = await Promise.all(examples.map((name) => run(name, "up")));
      ups.forEach((up, i) => {
        assert.ok(up.ok, `${examples[i]}: ${up.error}\n${up.output.slice(-3000)}`);
        assert.equal(up.changes.create, 1, `${examples[i]}: ${JSON.stringify(up.changes)}`);
        assert.ok(Object.keys(up.outputs).length > 0, `${examples[i]}: the stack outputs are read back`);
      });
      // Imports run one at a time per account (429 FSS.0429 otherwise, certainly not applied, and retried): the
      // side-by-side ups may meet one; what must hold is one import that landed per example.
      const imports = emu.requests({ writesOnly: true });
      assert.deepEqual(imports.filter((e) => e.status !== 429).map((e) => `${e.operation} ${e.status}`), examples.map(() => "import 200"), "one import per example");
      assert.ok(imports.every((e) => e.status !== 429 || e.errorCode === "FSS.0429"), JSON.stringify(imports));
      assert.equal(emu.functions().length, examples.length);
      const downs = await Promise.all(examples.map((name) => run(name, "destroy")));
      downs.forEach((down, i) => {
        assert.ok(down.ok, `${examples[i]}: ${down.error}`);
        assert.equal(down.changes.delete, 1, examples[i]);
      });
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
    assert.deepEqual(emu.functions(), []);
  });

  it("npm start (fgs demo) deploys the root Pulumi.yaml with plain pulumi; a second run changes nothing", { timeout: 600_000 }, (t) => {
    const state = path.join(root, "demo");
    const demo = () => spawnSync(process.execPath, [path.join(REPO_ROOT, "dist/bin/fgs.js"), "demo", "--engine", "cli", "--json"], {
      cwd: REPO_ROOT, encoding: "utf8", timeout: 300_000,
      env: { ...process.env, FGS_DEMO_STATE_DIR: state, FGS_QUIET: "1", PULUMI_HOME: path.join(root, "demo-home") },
    });
    // Plain pulumi writes the stack's settings (its encryption salt) beside the root Pulumi.yaml: a file this
    // test made must not stay in the checkout, where the harness's demo run (another passphrase) would meet it.
    const stackFile = path.join(REPO_ROOT, "Pulumi.dev.yaml");
    if (!fs.existsSync(stackFile)) t.after(() => fs.rmSync(stackFile, { force: true }));
    const first = demo();
    assert.equal(first.status, 0, first.stderr.slice(-3000));
    assert.match(first.stderr, /engine: plain pulumi/);
    const report = JSON.parse(first.stdout) as { changes: Record<string, number> };
    assert.equal(report.changes.create, 3);
    assert.match(first.stderr, /hello-node\s+\{"statusCode":200/, "each function is invoked");
    const second = demo();
    assert.equal(second.status, 0, second.stderr.slice(-3000));
    const again = JSON.parse(second.stdout) as { changes: Record<string, number> };
    assert.deepEqual([again.changes.same, again.changes.create ?? 0, again.changes.update ?? 0], [3, 0, 0]);
  });
});
