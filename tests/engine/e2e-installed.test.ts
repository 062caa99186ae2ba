/**
 * The package as a user installs it: a temp project whose node_modules/pulumi-functiongraph is a copy of the
 * package (package.json + dist/provider) and whose other node_modules entries link to this checkout's. A plain
 * JavaScript program there deploys to the emulator; the serialized provider in state names the package
 * specifier, never the temp directory; and a plugin started where the package is not installed fails with the
 * provider's clear "npm install pulumi-functiongraph" message instead of a stack trace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { backendPaths, loadState, runStack, StackRunError } from "../../harness";
import { emulatorConfig } from "../../bin/commands/demo";
import { REPO_ROOT } from "./fixtureStack";

const SPECIFIER = "pulumi-functiongraph/dist/provider/resource/lifecycle.js";

/** A node_modules that links every dependency of this checkout except the package itself. */
function linkDependencies(dir: string): void {
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(nm, { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
    if (entry === "pulumi-functiongraph" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(nm, entry), "dir");
  }
}

test("the installed package deploys, keeps no temp path in state, and fails clearly where it is not installed", async (t) => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "fgs-installed-")));
  const emu = await startEmulator({ quiet: true });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  // The user's project: Pulumi.yaml, a .js program, its code, and the installed package.
  const project = path.join(root, "project");
  linkDependencies(project);
  const pkg = path.join(project, "node_modules", "pulumi-functiongraph");
  fs.mkdirSync(path.join(pkg, "dist"), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
  fs.cpSync(path.join(REPO_ROOT, "dist", "provider"), path.join(pkg, "dist", "provider"), { recursive: true });
  fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: installed\nruntime: nodejs\nmain: index.js\n");
  fs.writeFileSync(path.join(project, "index.js"), [
    'const fgs = require("pulumi-functiongraph");',
    'const fn = new fgs.Function("installed", { sourceDir: "./app", runtime: "Node.js18.15", handler: "index.handler" });',
    "exports.funcUrn = fn.funcUrn;",
    "exports.digest = fn.digest;",
    "",
  ].join("\n"));
  fs.mkdirSync(path.join(project, "app"));
  fs.writeFileSync(path.join(project, "app", "index.js"), "exports.handler = async () => 'installed';\n");
  const backendDir = path.join(root, "backend");
  const stateFile = backendPaths(backendDir, "installed", "dev").checkpoint;
  const config = emulatorConfig(emu);
  const output: string[] = [];

  // (a) it deploys, through the installed copy.
  const up = await runStack({ operation: "up", projectDir: project, backendDir, config, onOutput: (l) => output.push(l) });
  assert.equal(up.counts.create, 1);
  assert.deepEqual(emu.requests({ writesOnly: true }).map((e) => e.operation), ["import"]);
  assert.match(String(up.outputs.funcUrn), /:function:default:installed$/);
  assert.ok(emu.functions().some((f) => f.func_name === "installed"));

  // (b) the serialized provider requires the package specifier and holds no path of this machine.
  const stateText = fs.readFileSync(stateFile, "utf8");
  const state = loadState(stateFile, "installed", "dev");
  assert.equal(state.resources.length, 1);
  const r = state.resources[0];
  const providers = [r.provider, r.inputs.__provider, r.outputs.__provider].filter((p): p is string => typeof p === "string");
  assert.ok(providers.length > 0);
  for (const p of providers) {
    assert.ok(p.includes(SPECIFIER), "the __provider names the package specifier");
    assert.equal(p.includes(root), false, "the __provider holds the temp directory");
    assert.equal(p.includes(REPO_ROOT), false, "the __provider holds the checkout's directory");
  }
  assert.equal(stateText.includes(root), false, "the state file holds the temp directory");

  // (c) a plugin started where the package is not installed (its dependencies are) explains what to do.
  const bare = path.join(root, "elsewhere");
  linkDependencies(bare);
  emu.clearLog();
  const failedOutput: string[] = [];
  const err = await runStack({ operation: "refresh", projectDir: project, pluginCwd: bare, backendDir, config, onOutput: (l) => failedOutput.push(l) })
    .then(() => assert.fail("refresh should fail where the package is not installed"), (e: unknown) => e);
  const message = err instanceof StackRunError ? err.result.errors.join("\n") : (err as Error).message;
  t.diagnostic(`where the package is not installed: ${message}`);
  // The plugin prints the error to the user (stderr): the message, no stack frames.
  assert.ok(failedOutput.some((l) => l.includes("npm install pulumi-functiongraph")), "the plugin printed the message");
  assert.deepEqual(failedOutput.filter((l) => /^\s+at /.test(l)), [], "the plugin printed a stack trace");
  assert.match(message, /pulumi-functiongraph: cannot load its provider code 'pulumi-functiongraph\/dist\/provider\/resource\/lifecycle\.js'/);
  assert.match(message, /npm install pulumi-functiongraph/);
  assert.equal(/\n\s+at /.test(message), false, `a stack trace in the message: ${message}`);
  assert.deepEqual(emu.requests({ writesOnly: true }), []);
  assert.equal(fs.readFileSync(stateFile, "utf8"), stateText, "the failed refresh left the state as it was");

  // Back in the project directory the same state destroys cleanly.
  const destroyed = await runStack({ operation: "destroy", projectDir: project, backendDir, config, onOutput: (l) => output.push(l) });
  assert.equal(destroyed.counts.delete, 1);
  assert.equal(emu.functions().some((f) => f.func_name === "installed"), false);
});
