/**
 * Installing the package the documented way: `npm pack` of this checkout, a fresh program that installs the
 * tarball with the lowest `@pulumi/pulumi` of our peer range from the npm registry, then the installed `fgs up`
 * deploys it to the embedded emulator (and a second `up` changes nothing) — under the Node running the tests and
 * under every extra Node in FGS_EXTRA_NODE_BINS (CI: the pinned Node 24). A second copy of `@pulumi/pulumi`
 * nested under the package is refused with a message saying what to install.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "../../..");

function lowestPeer(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
  return /^>=(\S+)/.exec(pkg.peerDependencies["@pulumi/pulumi"])![1];
}

function fgs(project: string, nodeBin: string, args: string[]) {
  const r = spawnSync(nodeBin, [path.join(project, "node_modules", "pulumi-functiongraph", "dist", "bin", "fgs.js"), ...args], {
    cwd: project, encoding: "utf8", timeout: 300_000,
    env: { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`, FGS_QUIET: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a fresh program installs the packed tarball and deploys with it", { timeout: 900_000 }, async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "fgs-tarball-")));
  try {
    const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", root], { cwd: REPO_ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    const project = path.join(root, "program");
    fs.mkdirSync(path.join(project, "app"), { recursive: true });
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({
      name: "tarball-program", private: true,
      dependencies: { "pulumi-functiongraph": `file:${path.join(root, tgz)}`, "@pulumi/pulumi": lowestPeer() },
    }, null, 2));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: tarball\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(project, "index.js"),
      'const fgs = require("pulumi-functiongraph");\n' +
      'const fn = new fgs.Function("hello", { sourceDir: "./app", runtime: "Node.js20.15", handler: "index.handler" });\n' +
      "exports.digest = fn.digest;\n");
    fs.writeFileSync(path.join(project, "app", "index.js"), "exports.handler = async () => 'hi';\n");
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, stdio: "pipe", timeout: 600_000 });
    const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string };
    assert.equal(installed.version, lowestPeer(), "one copy of @pulumi/pulumi, the program's");
    assert.equal(fs.existsSync(path.join(project, "node_modules/pulumi-functiongraph/node_modules/@pulumi/pulumi")), false);

    const nodes = [process.execPath, ...(process.env.FGS_EXTRA_NODE_BINS ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "node"))];
    for (const node of nodes) {
      const stateDir = path.join(root, `state-${path.basename(path.dirname(path.dirname(node)))}-${nodes.indexOf(node)}`);
      const up = fgs(project, node, ["up", "--engine", "harness", "--json", "--state-dir", stateDir]);
      assert.equal(up.code, 0, `${node}: ${up.stderr}`);
      const report = JSON.parse(up.stdout) as { ok: boolean; changes: Record<string, number>; outputs: { digest: string } };
      assert.equal(report.changes.create, 1, `${node}: one function created`);
      assert.match(report.outputs.digest, /^[0-9a-f]{128}$/);
      const again = JSON.parse(fgs(project, node, ["up", "--engine", "harness", "--json", "--state-dir", stateDir]).stdout) as { changes: Record<string, number> };
      assert.deepEqual([again.changes.same, again.changes.create, again.changes.update], [1, 0, 0]);
      assert.equal(fs.existsSync(path.join(project, "node_modules", ".fgs")), false, "no state inside node_modules");
    }

    // A second copy nested under the package: refused with what to do.
    const nested = path.join(project, "node_modules/pulumi-functiongraph/node_modules/@pulumi/pulumi");
    fs.mkdirSync(path.dirname(nested), { recursive: true });
    fs.cpSync(path.join(project, "node_modules/@pulumi/pulumi"), nested, { recursive: true });
    const twice = fgs(project, process.execPath, ["preview", "--engine", "harness", "--state-dir", path.join(root, "state-twice")]);
    assert.equal(twice.code, 1);
    assert.match(twice.stdout + twice.stderr, /two copies of @pulumi\/pulumi[\s\S]*npm dedupe/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
