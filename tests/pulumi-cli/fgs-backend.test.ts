/**
 * `fgs up|preview|refresh|destroy` with a shared state backend: where the URL comes from (--backend, else
 * PULUMI_BACKEND_URL, else Pulumi.yaml backend.url), the refusals (the harness engine, a plain-http OBS endpoint,
 * no passphrase), and — under the real CLI — `fgs up --backend s3://…` against the emulator's OBS followed by a
 * no-change preview from another runner through the Automation API, so fgs and pulumi share the state.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { UsageError } from "../../bin/command";
import { describeEnvTarget, resolveBackend, runStackOperation, stackOpArgs } from "../../bin/commands/stack-op";
import { endpointEnvName } from "../../provider/auth/resolve-target";
import { backendUrlProblem, readProject, obsBackendEnv, obsBackendUrl, redactBackendUrl, runWithPulumiCli } from "../../harness";
import { REPO_ROOT } from "../scenarios/driver";
import { requirePulumiCli } from "./requirements";

const PROGRAM = `
const fgs = require("pulumi-functiongraph");
const fn = new fgs.Function("via-fgs", { sourceDir: "app", runtime: "Node.js18.15", handler: "index.handler", funcName: "fgs-backend-fn" });
exports.funcUrn = fn.funcUrn;
`;

/** Sets environment variables for one test and restores them after. */
function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  return () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  };
}

function project(root: string, name: string, pulumiYamlExtra = ""): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, "app"), { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: fgs-backend\nruntime: nodejs\nmain: index.js\n${pulumiYamlExtra}`);
  fs.writeFileSync(path.join(dir, "index.js"), PROGRAM);
  fs.writeFileSync(path.join(dir, "app", "index.js"), "exports.handler = async () => 'fgs';\n");
  return dir;
}

describe("fgs stack operations: the state backend option", () => {
  let tmp: string;
  let restore = () => {};
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-backend-")); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => restore());

  it("takes --backend, else PULUMI_BACKEND_URL, else Pulumi.yaml backend.url, else none (local state)", () => {
    const dir = project(tmp, "resolve", "backend:\n  url: s3://from-yaml?endpoint=https://obs.cn-north-4.myhuaweicloud.com&region=cn-north-4\n");
    const yaml = readProject(dir);
    const bare = readProject(project(tmp, "bare"));
    assert.deepEqual(resolveBackend("s3://flag", yaml, { PULUMI_BACKEND_URL: "s3://env" }), { url: "s3://flag", from: "--backend" });
    assert.deepEqual(resolveBackend(undefined, yaml, { PULUMI_BACKEND_URL: "s3://env" }), { url: "s3://env", from: "PULUMI_BACKEND_URL" });
    assert.equal(resolveBackend(undefined, yaml, {})?.from, "Pulumi.yaml backend.url");
    assert.match(resolveBackend(undefined, yaml, {})!.url, /^s3:\/\/from-yaml\?/);
    assert.equal(resolveBackend(undefined, bare, {}), undefined);
    assert.equal(stackOpArgs("up", { backend: "s3://b" }, [dir]).backend, "s3://b");
  });

  it("refuses a plain-http OBS endpoint, an endpoint without region, and what is not a backend URL, naming the fix", () => {
    assert.match(backendUrlProblem("s3://b?endpoint=http://127.0.0.1:9000&region=cn-north-4")!, /plain http.*use the https:\/\/ endpoint/);
    assert.match(backendUrlProblem("s3://b?endpoint=https://obs.cn-north-4.myhuaweicloud.com")!, /add &region=/);
    assert.match(backendUrlProblem("obs://b")!, /not a Pulumi backend URL: use s3:\/\//);
    assert.equal(backendUrlProblem("s3://b?endpoint=https://obs.cn-north-4.myhuaweicloud.com&region=cn-north-4"), undefined);
    assert.equal(backendUrlProblem("file:///tmp/state"), undefined);
  });

  it("redacts credentials in backend URLs it prints: user info (also inside endpoint=, also encoded) and credential-named query values", () => {
    const cases: [string, string][] = [
      ["postgres://admin:hunter2@db:5432/pulumi", "postgres://****:****@db:5432/pulumi"],
      ["s3://b?endpoint=https://AKX:SKsecret@obs.cn-north-4.myhuaweicloud.com&region=cn-north-4", "s3://b?endpoint=https://****:****@obs.cn-north-4.myhuaweicloud.com&region=cn-north-4"],
      ["s3://b?endpoint=https%3A%2F%2FAKX%3ASKsecret%40obs.example&region=r", "s3://b?endpoint=https%3A%2F%2F****:****%40obs.example&region=r"],
      ["azblob://c?storage_account=a&sas_token=sv%3D1%26sig%3Dabc", "azblob://c?storage_account=a&sas_token=****"],
      ["postgres://db/p?sslmode=disable&password=hunter2", "postgres://db/p?sslmode=disable&password=****"],
      ["s3://b/p?endpoint=https://obs.cn-north-4.myhuaweicloud.com&region=cn-north-4&s3ForcePathStyle=true", "s3://b/p?endpoint=https://obs.cn-north-4.myhuaweicloud.com&region=cn-north-4&s3ForcePathStyle=true"],
    ];
    for (const [url, shown] of cases) assert.equal(redactBackendUrl(url), shown);
    const problem = backendUrlProblem("s3://b?endpoint=http://AKX:SKsecret@127.0.0.1:9&region=r")!;
    assert.match(problem, /plain http/);
    assert.doesNotMatch(problem, /SKsecret/);
  });

  it("with a shared backend, names the environment's target (the region's endpoint or its override), never credentials", () => {
    assert.equal(describeEnvTarget({}, { HW_REGION_NAME: "cn-north-4" }), "https://functiongraph.cn-north-4.myhuaweicloud.com, region cn-north-4");
    assert.equal(describeEnvTarget({ "functiongraph:region": { value: "ap-southeast-1" } }, { HW_REGION_NAME: "cn-north-4", HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_AP_SOUTHEAST_1: "http://127.0.0.1:9" }),
      "http://127.0.0.1:9 from HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_AP_SOUTHEAST_1");
    assert.match(describeEnvTarget({}, {}), /no region set: set functiongraph:region or HW_REGION_NAME/);
  });

  it("refuses a backend with the harness engine, and a shared backend without a passphrase", async () => {
    const dir = project(tmp, "refuse");
    restore = withEnv({ PULUMI_BACKEND_URL: undefined, PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
    const url = "s3://b?endpoint=https://obs.cn-north-4.myhuaweicloud.com&region=cn-north-4";
    await assert.rejects(runStackOperation({ ...stackOpArgs("up", { backend: url, engine: "harness" }, [dir]) }),
      (e: Error) => e instanceof UsageError && /needs the Pulumi CLI engine: the engine harness keeps its own local state/.test(e.message));
    restore();
    restore = withEnv({ PULUMI_BACKEND_URL: url, PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
    await assert.rejects(runStackOperation(stackOpArgs("preview", {}, [dir])),
      (e: Error) => e instanceof UsageError && /\(PULUMI_BACKEND_URL\) needs your stack's secrets passphrase: set PULUMI_CONFIG_PASSPHRASE/.test(e.message));
    await assert.rejects(runStackOperation(stackOpArgs("preview", { backend: "s3://b?endpoint=http://127.0.0.1:1&region=cn-north-4" }, [dir])),
      (e: Error) => e instanceof UsageError && /^--backend: the backend endpoint http:\/\/127\.0\.0\.1:1 is plain http/.test(e.message));
  });
});

const cli = requirePulumiCli("tests/pulumi-cli/fgs-backend (real CLI part)");

describe("fgs and pulumi share one OBS backend (real Pulumi CLI)", { skip: !cli && "no Pulumi CLI (npm run pulumi-cli)" }, () => {
  let emu: EmulatorHandle;
  let root: string;
  let restore = () => {};
  before(async () => {
    assert.ok(cli, "no pulumi CLI: run `npm run pulumi-cli` (FGS_REQUIRE_PULUMI_CLI=1)");
    emu = await startEmulator({ quiet: true, obs: { buckets: ["team-state"] } });
    fs.mkdirSync(path.join(REPO_ROOT, ".fgs-test-stacks"), { recursive: true });
    root = fs.mkdtempSync(path.join(REPO_ROOT, ".fgs-test-stacks", "fgs-backend-"));
  });
  after(async () => {
    restore();
    await emu?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("fgs up --backend s3://… puts the state in OBS; another runner previews no change; fgs preview via PULUMI_BACKEND_URL too", async () => {
    const url = obsBackendUrl({ bucket: "team-state", endpoint: emu.obs.httpsUrl, region: emu.region, pathStyle: true, prefix: "teams/a" });
    const passphrase = randomBytes(12).toString("hex");
    const env = {
      ...obsBackendEnv({ accessKey: emu.credentials.accessKey, secretKey: emu.credentials.secretKey, caFile: emu.obs.caFile }),
      HUAWEICLOUD_SDK_AK: emu.credentials.accessKey, HUAWEICLOUD_SDK_SK: emu.credentials.secretKey,
      PULUMI_CONFIG_PASSPHRASE: passphrase, PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    restore = withEnv({ ...env, PULUMI_BACKEND_URL: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
    const dir = project(root, "fgs-runner");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"),
      `config:\n  functiongraph:endpoint: ${emu.url}\n  functiongraph:region: ${emu.region}\n  functiongraph:projectId: ${emu.projectId}\n`);
    const state = path.join(root, "fgs-state");
    const upCode = await runStackOperation(stackOpArgs("up", { backend: url, engine: "cli", "state-dir": state }, [dir]));
    assert.equal(upCode, 0);
    assert.equal(emu.functions().filter((f) => f.func_name === "fgs-backend-fn").length, 1);
    const keys = emu.obs.objects("team-state").map((o) => o.key);
    assert.ok(keys.includes("teams/a/.pulumi/stacks/fgs-backend/dev.json"), keys.join(", "));
    assert.ok(!fs.existsSync(path.join(state, "backend")), "no local file backend was used");

    // Another runner: a copy of the project (with the Pulumi.dev.yaml fgs left, as if committed), its own home.
    const other = project(root, "pulumi-runner");
    fs.copyFileSync(path.join(dir, "Pulumi.dev.yaml"), path.join(other, "Pulumi.dev.yaml"));
    let text = "";
    const preview = await runWithPulumiCli({
      cli: cli!, projectDir: other, stack: "dev", operation: "preview", config: {}, expectNoChanges: true,
      backendDir: path.join(other, "unused"), backendUrl: url, passphrase, pulumiHome: path.join(root, "pulumi-runner-home"), env,
      onOutput: (t) => (text += t),
    });
    assert.ok(preview.ok, `${preview.error}\n${text.slice(-3000)}`);
    assert.deepEqual(preview.changes, { same: 1 });

    restore();
    restore = withEnv({ ...env, PULUMI_BACKEND_URL: url, PULUMI_CONFIG_PASSPHRASE_FILE: undefined });
    emu.clearLog();
    const again = await runStackOperation(stackOpArgs("preview", { engine: "cli", "expect-no-changes": true, "state-dir": state }, [dir]));
    assert.equal(again, 0);
    assert.deepEqual(emu.requests({ writesOnly: true }), []);

    // A runner whose target is in its environment (as in CI), not in Pulumi.dev.yaml: fgs must aim at it, never
    // at an embedded emulator of its own (which would plan to re-create the function there and record that).
    const envRunner = project(root, "env-runner");
    const yaml = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8").split("\n").filter((l) => !/functiongraph:(endpoint|region|projectId)/.test(l)).join("\n");
    fs.writeFileSync(path.join(envRunner, "Pulumi.dev.yaml"), yaml);
    restore();
    restore = withEnv({
      ...env, PULUMI_BACKEND_URL: url, PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
      HW_REGION_NAME: emu.region, HUAWEICLOUD_SDK_PROJECT_ID: emu.projectId, [endpointEnvName(emu.region)]: emu.url,
    });
    const envState = path.join(root, "env-state");
    const fromEnv = await runStackOperation(stackOpArgs("preview", { engine: "cli", "expect-no-changes": true, "state-dir": envState, json: true }, [envRunner]));
    assert.equal(fromEnv, 0, "a runner targeting the cloud through its environment previews no change");
    assert.ok(!fs.existsSync(path.join(envState, "emulator")), "no embedded emulator was started");

    // A mistyped stack: preview refuses, naming the fix, and leaves no empty stack in the shared backend.
    const typo = await runStackOperation(stackOpArgs("preview", { engine: "cli", stack: "dve", "state-dir": envState }, [envRunner]));
    assert.equal(typo, 1);
    assert.deepEqual(emu.obs.objects("team-state").map((o) => o.key).filter((k) => /\/dve\.json/.test(k)), []);
  });
});
