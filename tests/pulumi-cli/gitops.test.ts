/**
 * examples/gitops/pipeline.sh, the GitOps pipeline played against the emulator with runners that share nothing
 * but the stack's state in the emulator's OBS, run with plain `pulumi` as CI does. It needs the Pulumi CLI and
 * the Node.js language host (`pulumi-language-nodejs`, on the PATH or beside the CLI); without them the test is
 * skipped with one loud line — unless FGS_REQUIRE_PULUMI_CLI=1 (CI), where their absence fails.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../scenarios/driver";
import { requirePlainPulumi } from "./requirements";

const found = requirePlainPulumi("tests/pulumi-cli/gitops");

describe("examples/gitops/pipeline.sh: the pipeline's steps with plain pulumi, the state shared in the emulator's OBS", { skip: !found && "no Pulumi CLI or language host (npm run pulumi-cli)" }, () => {
  const work = path.join(REPO_ROOT, ".fgs-test-stacks", `gitops-${process.pid}`);
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("bootstrap, up on main, a no-change and a one-update pull-request preview on other runners, merge, drift detected", async () => {
    fs.rmSync(work, { recursive: true, force: true });
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn("bash", [path.join(REPO_ROOT, "examples/gitops/pipeline.sh")], {
        env: { ...process.env, FGS_GITOPS_WORK: work, PATH: [path.dirname(found!.cli), path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.stderr.on("data", (d: Buffer) => (text += d.toString()));
      child.on("close", (c) => resolve({ code: c ?? 1, output: text }));
    });
    assert.equal(code, 0, output.slice(-6000));
    assert.match(output, /gitops pipeline: OK/);
    const artifact = (name: string) => JSON.parse(fs.readFileSync(path.join(work, "artifacts", name), "utf8")) as { changeSummary: Record<string, number> };
    assert.deepEqual(artifact("preview-noop.json").changeSummary, { same: 2 });
    assert.deepEqual(artifact("preview-pr.json").changeSummary, { same: 1, update: 1 });
    assert.match(fs.readFileSync(path.join(work, "artifacts", "preview-pr.md"), "utf8"), /\*\*1 to update\*\*[\s\S]*`update` urn:pulumi:dev::gitops-hello::/);
    assert.match(fs.readFileSync(path.join(work, "artifacts", "drift.txt"), "utf8"), /memorySize/);
    // The runners kept no state of their own: every checkpoint is in the emulator's OBS.
    for (const runner of ["runner-a", "runner-b", "runner-c", "runner-d"]) {
      assert.ok(!fs.existsSync(path.join(work, `${runner}-home`, "stacks")), `${runner} has no local stack state`);
      assert.ok(!fs.existsSync(path.join(work, runner, ".pulumi")), `${runner} has no local backend`);
    }
    const stored = fs.readdirSync(path.join(work, "emulator", "obs", "objects", "pulumi-state")).filter((f) => f.endsWith(".json"));
    const keys = stored.map((f) => (JSON.parse(fs.readFileSync(path.join(work, "emulator", "obs", "objects", "pulumi-state", f), "utf8")) as { key: string }).key);
    assert.ok(keys.includes(".pulumi/stacks/gitops-hello/dev.json"), keys.join(", "));
    assert.ok(keys.filter((k) => k.startsWith(".pulumi/history/gitops-hello/dev/") && k.endsWith(".history.json")).length === 2, `the two ups are in the history: ${keys.join(", ")}`);
  });
});
