/**
 * The stack's state in OBS, shared by runners, under the real Pulumi CLI against the emulator's OBS (HTTPS
 * listener, V4): `pulumi login s3://…` with exactly the documented environment (harness/state-backend.ts),
 * `stack init`, `up`; a second runner (its own project copy and PULUMI_HOME) previews no change; two concurrent
 * `up`s on one stack → the second is refused with the backend's lock message and nothing is lost; `pulumi cancel`
 * after a killed runner; the history, the backups and `stack export` hold no secret in clear text. Programs run
 * inline through the Automation API (harness/pulumi-cli.ts with `backendUrl`); plain `pulumi` for login, init,
 * cancel, export and history. Without a CLI the suite is skipped loudly, unless FGS_REQUIRE_PULUMI_CLI=1.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { emulatorConfig } from "../../bin/commands/stack-op";
import { obsBackendEnv, obsBackendUrl, runWithPulumiCli, type PulumiCliResult } from "../../harness";
import { REPO_ROOT } from "../scenarios/driver";
import { requirePulumiCli } from "./requirements";

const cli = requirePulumiCli("tests/pulumi-cli/obs-backend");

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const fgs = require("pulumi-functiongraph");
const t = new pulumi.Config("t");
const fn = new fgs.Function("shared", {
  sourceDir: "app", runtime: "Node.js18.15", handler: "index.handler", funcName: "obs-state-fn",
  memorySize: Number(t.require("memory")), environment: { TOKEN: t.requireSecret("token") },
});
exports.funcUrn = fn.funcUrn;
exports.memorySize = fn.memorySize;
`;

const LOCK_MESSAGE = /the stack is currently locked by 1 lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`/;

describe("the stack's state in OBS, shared by runners (real Pulumi CLI)", { skip: !cli && "no Pulumi CLI (npm run pulumi-cli)" }, () => {
  let emu: EmulatorHandle;
  let root: string;
  let backendUrl: string;
  let env: Record<string, string>;
  const passphrase = `obs-backend-${randomBytes(8).toString("hex")}`;
  const secretKey = `sk-${randomBytes(18).toString("hex")}`;
  const token = `token-${randomBytes(18).toString("hex")}`;
  const runners: Record<string, { dir: string; home: string; pid?: number }> = {};

  const runner = (name: string) => {
    if (!runners[name]) {
      const dir = path.join(root, name);
      fs.mkdirSync(path.join(dir, "app"), { recursive: true });
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: obs-state\nruntime: nodejs\nmain: index.js\n");
      fs.writeFileSync(path.join(dir, "index.js"), PROGRAM);
      fs.writeFileSync(path.join(dir, "app", "index.js"), "exports.handler = async () => 'state in OBS';\n");
      runners[name] = { dir, home: path.join(root, `${name}-home`) };
    }
    return runners[name];
  };

  /** One operation through the Automation API, the state in OBS. */
  const run = (name: string, operation: "up" | "preview" | "refresh" | "destroy", memory: number, extra: { expectNoChanges?: boolean; clearPendingCreates?: boolean } = {}) => {
    const r = runner(name);
    let text = "";
    return runWithPulumiCli({
      cli: cli!, projectDir: r.dir, stack: "dev", operation, backendDir: path.join(r.dir, "unused"), backendUrl, passphrase, pulumiHome: r.home, env,
      config: { ...emulatorConfig(emu), "t:memory": { value: String(memory) }, "t:token": { value: token, secret: true } },
      onOutput: (t) => (text += t), onStart: (pid) => (r.pid = pid), ...extra,
    }).then((res) => ({ ...res, text }));
  };

  /** Plain `pulumi ARGS` as a runner, with nothing but the documented environment (and PATH/HOME). */
  const pulumi = (name: string, args: string[]) => new Promise<{ code: number; output: string; stdout: string }>((resolve) => {
    const r = runner(name);
    fs.mkdirSync(r.home, { recursive: true });
    const child = spawn(cli!, [...args, "--non-interactive"], {
      cwd: r.dir,
      env: {
        PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root, PULUMI_HOME: r.home, PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true", ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => { output += d.toString(); stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, output, stdout }));
  });

  const ok = (r: PulumiCliResult & { text: string }, what: string) => assert.ok(r.ok, `${what} failed: ${r.error}\n${r.text.slice(-3000)}`);
  const locks = () => emu.obs.objects("state", ".pulumi/locks/");
  const waitFor = async (cond: () => boolean, what: string, ms = 240_000) => {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    emu = await startEmulator({ quiet: true, credentials: { accessKey: "OBSSTATEKEY", secretKey }, obs: { buckets: ["state"] } });
    fs.mkdirSync(path.join(REPO_ROOT, ".fgs-test-stacks"), { recursive: true });
    root = fs.mkdtempSync(path.join(REPO_ROOT, ".fgs-test-stacks", "obs-backend-"));
    backendUrl = obsBackendUrl({ bucket: "state", endpoint: emu.obs.httpsUrl, region: emu.region, pathStyle: true });
    env = obsBackendEnv({ accessKey: emu.credentials.accessKey, secretKey, caFile: emu.obs.caFile });
  });
  after(async () => {
    for (const r of Object.values(runners)) if (r.pid) try { process.kill(-r.pid, "SIGKILL"); } catch { /* gone */ }
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("why the documented settings: over plain http the CLI signs the body (refused, as OBS does); SDK default checksums are refused", async () => {
    const http = await pulumi("probe", ["login", obsBackendUrl({ bucket: "state", endpoint: emu.obs.url, region: emu.region, pathStyle: true })]);
    assert.notEqual(http.code, 0);
    assert.match(http.output, /PutObject, https response error StatusCode: 400.*InvalidArgument: x-amz-content-sha256 '[0-9a-f]{64}' is not supported/);
    const saved = env;
    env = { ...saved, AWS_REQUEST_CHECKSUM_CALCULATION: "when_supported" };
    try {
      // The first login writes .pulumi/meta.yaml: that upload is refused.
      const login = await pulumi("probe", ["login", backendUrl]);
      assert.notEqual(login.code, 0);
      assert.match(login.output, /x-amz-content-sha256 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' is not supported.*AWS_REQUEST_CHECKSUM_CALCULATION=when_required/);
    } finally {
      env = saved;
    }
    assert.deepEqual(emu.obs.objects("state"), [], "nothing was written by the refused calls");
  });

  it("logs in with the documented environment, inits the stack and deploys; every OBS call is V4 over HTTPS", async () => {
    emu.obs.clearLog();
    const login = await pulumi("a", ["login", backendUrl]);
    assert.equal(login.code, 0, login.output);
    assert.match(login.output, /Logged in to .* \(s3:\/\/state\?endpoint=https:\/\/127\.0\.0\.1:\d+&region=cn-north-4&s3ForcePathStyle=true\)/);
    assert.doesNotMatch(login.output, /no supported checksum/, "AWS_RESPONSE_CHECKSUM_VALIDATION=when_required silences the SDK's warning");
    const init = await pulumi("a", ["stack", "init", "dev"]);
    assert.equal(init.code, 0, init.output);
    const up = await run("a", "up", 256);
    ok(up, "runner A's up");
    assert.equal(up.changes.create, 1, JSON.stringify(up.changes));
    assert.equal(emu.functions().filter((f) => f.func_name === "obs-state-fn").length, 1);
    const keys = emu.obs.objects("state", ".pulumi/").map((o) => o.key);
    assert.ok(keys.includes(".pulumi/stacks/obs-state/dev.json"), `the checkpoint is in OBS: ${keys.join(", ")}`);
    const log = emu.obs.requests();
    assert.ok(log.length > 10);
    assert.deepEqual([...new Set(log.map((e) => e.authKind))], ["v4"]);
    const failed = log.filter((e) => e.status >= 400 && !(e.status === 404 && ["getObject", "headObject"].includes(e.operation)));
    assert.deepEqual(failed, [], "no OBS call was refused");
    assert.deepEqual(locks(), [], "the lock is released");
  });

  it("a second runner (its own project copy and PULUMI_HOME) previews no change from the shared state", async () => {
    const login = await pulumi("b", ["login", backendUrl]);
    assert.equal(login.code, 0, login.output);
    const preview = await run("b", "preview", 256, { expectNoChanges: true });
    ok(preview, "runner B's preview");
    assert.deepEqual(Object.keys(preview.changes).filter((k) => k !== "same" && preview.changes[k] > 0), []);
  });

  it("two concurrent ups on one stack: the second is refused with the backend's lock message; nothing is lost", async () => {
    emu.setFaults("latency=1:2000ms");
    try {
      const first = run("a", "up", 512);
      await waitFor(() => locks().length === 1, "runner A's lock in OBS");
      const second = await run("b", "up", 1024);
      assert.equal(second.ok, false, "the second up must be refused");
      assert.match(second.text + (second.error ?? ""), LOCK_MESSAGE);
      assert.match(second.text + (second.error ?? ""), /s3:\/\/state\/\.pulumi\/locks\/organization\/obs-state\/dev\/[0-9a-f-]+\.json\S*: created by \S+@\S+ \(pid \d+\)/, second.text.slice(-2000));
      const won = await first;
      ok(won, "runner A's up");
      assert.equal(won.changes.update, 1, JSON.stringify(won.changes));
    } finally {
      emu.setFaults(null);
    }
    assert.deepEqual(locks(), []);
    assert.equal(emu.functions().find((f) => f.func_name === "obs-state-fn")?.memory_size, 512, "runner A's change is deployed");
    const b = await run("b", "preview", 512, { expectNoChanges: true });
    ok(b, "runner B's preview after A's up");
    const exported = await pulumi("b", ["stack", "export", "--stack", "dev"]);
    assert.equal(exported.code, 0, exported.output);
    const deployment = JSON.parse(exported.stdout).deployment as { resources: { type: string; outputs?: Record<string, unknown> }[] };
    const fns = deployment.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/functiongraph:Function");
    assert.equal(fns.length, 1);
    assert.equal(fns[0].outputs?.memorySize, 512);
  });

  it("a runner killed mid-up leaves its lock; others are refused until `pulumi cancel`; then up works and nothing is lost", async () => {
    emu.clearLog();
    emu.setFaults("latency=1:2500ms");
    const running = run("a", "up", 768);
    await waitFor(() => locks().length === 1 && emu.requests().length > 0, "runner A's lock and its first FunctionGraph call");
    process.kill(-runners.a.pid!, "SIGKILL");
    const killed = await running;
    assert.equal(killed.ok, false, "the killed run did not succeed");
    emu.setFaults(null);
    assert.equal(locks().length, 1, "the killed runner's lock stays in OBS");
    const refused = await run("b", "up", 768);
    assert.equal(refused.ok, false, "an up while the dead runner's lock stays is refused");
    assert.match(refused.text + (refused.error ?? ""), LOCK_MESSAGE);
    const cancel = await pulumi("b", ["cancel", "--yes", "--stack", "dev"]);
    assert.equal(cancel.code, 0, cancel.output);
    assert.deepEqual(locks(), [], "pulumi cancel removed the lock");
    const refresh = await run("b", "refresh", 768, { clearPendingCreates: true });
    ok(refresh, "runner B's refresh");
    const up = await run("b", "up", 768);
    ok(up, "runner B's up after cancel");
    assert.equal(emu.functions().filter((f) => f.func_name === "obs-state-fn").length, 1, "still one function");
    assert.equal(emu.functions().find((f) => f.func_name === "obs-state-fn")?.memory_size, 768);
    const again = await run("a", "preview", 768, { expectNoChanges: true });
    ok(again, "runner A's preview after B's recovery");
  });

  it("history, backups, checkpoints and `stack export` hold no secret in clear text", async () => {
    const history = await pulumi("a", ["stack", "history", "--stack", "dev", "--json"]);
    assert.equal(history.code, 0, history.output);
    const updates = JSON.parse(history.stdout) as { kind: string; result: string }[];
    assert.ok(updates.filter((u) => u.kind === "update").length >= 3, history.stdout.slice(0, 2000));
    const exported = await pulumi("a", ["stack", "export", "--stack", "dev"]);
    assert.equal(exported.code, 0, exported.output);
    assert.match(exported.stdout, /"ciphertext"/, "secrets are kept encrypted");
    const objects = emu.obs.objects("state", ".pulumi/");
    assert.ok(objects.some((o) => o.key.includes("/history/")), "history is in OBS");
    assert.ok(objects.some((o) => o.key.endsWith(".json.bak")), "backups are in OBS");
    const stored = (await Promise.all(objects.map((o) => emu.obs.read("state", o.key)))).map((b) => b.toString("utf8")).join("\n");
    for (const [name, text] of [["stack export", exported.stdout], ["stack history", history.stdout], ["the OBS objects", stored]] as const) {
      assert.ok(!text.includes(secretKey), `${name} holds the secret key in clear text`);
      assert.ok(!text.includes(token), `${name} holds the secret config value in clear text`);
    }
  });
});
