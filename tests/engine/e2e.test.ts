/**
 * End-to-end scenarios: the e2e fixture program (tests/engine/fixtures/e2e) through the engine harness and the real
 * dynamic-provider plugin against one embedded emulator. Every scenario asserts the exact write calls in the
 * emulator's request log plus outputs or state: first up, no-op up/preview, code edit, memory change, published
 * versions, rename, drift (preview / up / refresh), adopt, destroy, and credentials (stack config secrets,
 * environment, temporary keys, IAM token) that must never reach the state file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { backendPaths, loadState, runStack, StackRunError, type StackConfig, type StackResult } from "../../harness";
import { emulatorConfig } from "../../bin/commands/demo";
import { writeStoredZip } from "../../provider/api/stored-zip";
import { REPO_ROOT } from "./fixtureStack";

/** The fixture program compiled by tsc, and its TypeScript source (run through ts-node). */
const JS_PROGRAM = path.join(__dirname, "fixtures/e2e/index.js");
const TS_PROGRAM = path.join(REPO_ROOT, "tests/engine/fixtures/e2e/index.ts");

const TEMP = { accessKey: "E2ETEMPORARYACCESSKEY01", secretKey: "e2e-temporary-secret-key-9f8e7d", securityToken: "e2e-security-token-Zq81xw-STS" };
const AUTH_TOKEN = "e2e-iam-auth-token-MIIbc84-opaque";

/** Write operations in the request log since the last clear, in order. */
function writes(emu: EmulatorHandle): string[] {
  return emu.requests({ writesOnly: true }).map((e) => e.operation);
}

function sha512(b: Buffer): string {
  return createHash("sha512").update(b).digest("hex");
}

/** A stack of the e2e program with its own state file and `e2e:*` settings. */
class E2EStack {
  readonly backendDir: string;
  readonly stateFile: string;
  readonly settings: Record<string, string | number | boolean> = {};
  program = JS_PROGRAM;
  output: string[] = [];

  constructor(
    root: string,
    name: string,
    readonly sourceDir: string,
    private readonly base: StackConfig,
    private readonly env?: Record<string, string>,
  ) {
    this.backendDir = path.join(root, "backend", name);
    this.stateFile = backendPaths(this.backendDir, "e2e", "dev").checkpoint;
  }

  run(operation: "preview" | "up" | "refresh" | "destroy"): Promise<StackResult> {
    const config: StackConfig = { ...this.base, "e2e:sourceDir": { value: this.sourceDir } };
    for (const [k, v] of Object.entries(this.settings)) config[`e2e:${k}`] = { value: String(v) };
    return runStack({
      operation,
      program: this.program,
      project: "e2e",
      stack: "dev",
      backendDir: this.backendDir,
      config,
      env: this.env,
      pluginCwd: REPO_ROOT,
      onOutput: (line) => this.output.push(line),
    });
  }

  /** Runs an operation expected to fail; returns the failed result. */
  async fail(operation: "preview" | "up"): Promise<StackResult> {
    const err = await this.run(operation).then(
      () => assert.fail(`${operation} should have failed`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StackRunError, `expected a StackRunError, got ${String(err)}`);
    return err.result;
  }

  stateText(): string {
    return fs.readFileSync(this.stateFile, "utf8");
  }

  /** The one Function resource in the stack's checkpoint (outputs as stored; secrets stay encrypted). */
  resource(): { id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown>; provider: string } {
    const fns = loadState(this.stateFile, "e2e", "dev").resources.filter((r) => r.type.endsWith("functiongraph:Function"));
    assert.equal(fns.length, 1);
    return fns[0];
  }
}

/** The resources of a checkpoint's text. */
function checkpointResources(stateText: string): { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] {
  return (JSON.parse(stateText) as { checkpoint: { latest?: { resources?: [] } } }).checkpoint.latest?.resources ?? [];
}

/** Every `__provider` string in a checkpoint (each dynamic resource's inputs' and outputs' copies). */
function providerStrings(stateText: string): string[] {
  const all: string[] = [];
  for (const r of checkpointResources(stateText)) {
    for (const v of [r.inputs?.__provider, r.outputs?.__provider]) if (v !== undefined) all.push(typeof v === "string" ? v : JSON.stringify(v));
  }
  return all;
}

/** Asserts that no secret (nor its base64) appears in the state file text, any `__provider` or the given texts. */
function assertNoSecrets(stateText: string, secrets: string[], extra: string[] = []): void {
  const providers = providerStrings(stateText);
  assert.ok(providers.length > 0, "the state holds serialized providers");
  for (const s of secrets) {
    for (const form of [s, Buffer.from(s).toString("base64"), Buffer.from(s).toString("base64url")]) {
      assert.equal(stateText.includes(form), false, `the state file contains a secret (${form.slice(0, 4)}…)`);
      for (const p of providers) assert.equal(p.includes(form), false, "a __provider contains a secret");
      for (const t of extra) assert.equal(t.includes(form), false, "the output contains a secret");
    }
  }
}

function writeApp(dir: string, greeting: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "index.js"), `exports.handler = async () => ({ statusCode: 200, body: ${JSON.stringify(greeting)} });\n`);
  fs.writeFileSync(path.join(dir, "lib.js"), "module.exports = { answer: 42 };\n");
}

test("end-to-end scenarios against the emulator through the harness", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-e2e-"));
  const emu = await startEmulator({ quiet: true, credentials: { temporary: [TEMP], authTokens: [AUTH_TOKEN] } });
  t.after(async () => {
    await emu.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const app = path.join(root, "app");
  writeApp(app, "hello");
  const main = new E2EStack(root, "main", app, emulatorConfig(emu));
  const live = (name: string) => emu.functions().find((f) => f.func_name === name);
  let first: StackResult;

  await t.test("1. first up imports once; outputs carry digest, version, funcUrn, sourceSha512", async () => {
    first = await main.run("up");
    assert.deepEqual(first.counts.create, 1);
    assert.deepEqual(writes(emu), ["import"]);
    const o = first.outputs;
    assert.match(String(o.digest), /^[0-9a-f]{128}$/);
    assert.match(String(o.sourceSha512), /^[0-9a-f]{128}$/);
    assert.equal(o.version, "latest");
    assert.match(String(o.funcUrn), /:function:default:e2e-fn$/);
    const fn = live("e2e-fn");
    assert.ok(fn);
    assert.equal(fn.digest, o.digest);
    assert.equal(sha512(emu.code(String(o.funcUrn))!), o.digest);
    assertNoSecrets(main.stateText(), [emu.credentials.accessKey, emu.credentials.secretKey], [first.summary, main.output.join("\n")]);
  });

  await t.test("2. a second up and a preview make no write call", async () => {
    emu.clearLog();
    const second = await main.run("up");
    assert.deepEqual([second.counts.same, second.counts.update, second.counts.create], [1, 0, 0]);
    assert.deepEqual(second.outputs, first.outputs);
    const preview = await main.run("preview");
    assert.deepEqual([preview.counts.same, preview.counts.update], [1, 0]);
    assert.deepEqual(writes(emu), []);
    assert.ok(emu.requests().length > 0, "the drift check read the function");
  });

  await t.test("3. one edited file: the preview names it; up makes exactly one PUT …/code", async () => {
    fs.writeFileSync(path.join(app, "index.js"), "exports.handler = async () => ({ statusCode: 200, body: 'edited' });\n");
    emu.clearLog();
    const preview = await main.run("preview");
    assert.equal(preview.counts.update, 1);
    const step = preview.steps.find((s) => s.op === "update")!;
    assert.equal(step.detail?.sourceChanges, "0 added, 1 modified, 0 removed: ~ index.js");
    assert.match(preview.summary, /sourceChanges: 0 added, 1 modified, 0 removed: ~ index\.js/);
    assert.deepEqual(writes(emu), []);

    const up = await main.run("up");
    assert.equal(up.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateCode"]);
    assert.deepEqual(emu.requests({ operation: "updateCode" }).map((e) => [e.method, /\/code$/.test(e.path)]), [["PUT", true]]);
    assert.notEqual(up.outputs.digest, first.outputs.digest);
    assert.notEqual(up.outputs.sourceSha512, first.outputs.sourceSha512);
    assert.equal(up.outputs.funcUrn, first.outputs.funcUrn);
    assert.equal(live("e2e-fn")!.digest, up.outputs.digest);
  });

  await t.test("4. a memory change makes exactly one PUT …/config", async () => {
    main.settings.memorySize = 256;
    emu.clearLog();
    const up = await main.run("up");
    assert.equal(up.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateConfig"]);
    assert.match(emu.requests({ operation: "updateConfig" })[0].path, /\/config$/);
    assert.equal(up.outputs.memorySize, 256);
    assert.equal(live("e2e-fn")!.memory_size, 256);
  });

  await t.test("5. publishVersion publishes only when something changed", async () => {
    main.settings.publishVersion = true;
    emu.clearLog();
    const on = await main.run("up");
    assert.deepEqual(writes(emu), ["publishVersion"]);
    const v1 = String(on.outputs.version);
    assert.notEqual(v1, "latest");

    emu.clearLog();
    const same = await main.run("up");
    assert.equal(same.counts.same, 1);
    assert.deepEqual(writes(emu), []);
    assert.equal(same.outputs.version, v1);

    fs.writeFileSync(path.join(app, "lib.js"), "module.exports = { answer: 43 };\n");
    emu.clearLog();
    const changed = await main.run("up");
    assert.deepEqual(writes(emu), ["updateCode", "publishVersion"]);
    assert.notEqual(changed.outputs.version, v1);
    assert.notEqual(changed.outputs.version, "latest");
  });

  await t.test("7. code changed outside: preview shows an update, up repairs; refresh records it, up repairs", async () => {
    const before = await main.run("up"); // nothing to do; the current outputs
    const urn = String(before.outputs.funcUrn);
    const ours = emu.code(urn)!;
    const foreign = writeStoredZip([{ name: "index.js", data: Buffer.from("exports.handler = async () => 'hijacked';\n") }]);

    await emu.modifyCode(urn, foreign);
    emu.clearLog();
    const preview = await main.run("preview");
    assert.equal(preview.counts.update, 1);
    assert.deepEqual(writes(emu), []);
    assert.ok(main.output.some((l) => /changed outside Pulumi \(code\)/.test(l)), "the plugin reported the drift");
    const up = await main.run("up");
    assert.equal(up.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateCode", "publishVersion"]); // publishVersion is on: the repair is a change
    assert.deepEqual(emu.code(urn), ours);
    assert.equal(live("e2e-fn")!.digest, before.outputs.digest);

    await emu.modifyCode(urn, foreign);
    emu.clearLog();
    const refresh = await main.run("refresh");
    assert.equal(refresh.counts.update, 1);
    assert.deepEqual(writes(emu), []);
    const refreshed = main.resource().outputs;
    assert.equal(refreshed.digest, sha512(foreign));
    assert.equal(refreshed.version, before.outputs.version, "refresh keeps the published version");
    assert.equal(refreshed.sourceSha512, before.outputs.sourceSha512);
    const repair = await main.run("up");
    assert.equal(repair.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateCode", "publishVersion"]);
    assert.deepEqual(emu.code(urn), ours);
    assert.equal(main.resource().outputs.digest, sha512(ours));
  });

  await t.test("7b. settings changed outside are repaired with one PUT …/config; a function deleted outside is re-created", async () => {
    const before = await main.run("up"); // nothing to do; the current outputs
    const urn = String(before.outputs.funcUrn);
    await emu.modifyConfig(urn, { memory_size: 1024 });
    emu.clearLog();
    const preview = await main.run("preview");
    assert.equal(preview.counts.update, 1);
    const up = await main.run("up");
    assert.equal(up.counts.update, 1);
    assert.deepEqual(writes(emu), ["updateConfig", "publishVersion"]);
    assert.equal(live("e2e-fn")!.memory_size, 256);
    assert.equal(live("e2e-fn")!.digest, before.outputs.digest);

    assert.equal(await emu.removeFunction(urn), true);
    emu.clearLog();
    const recreate = await main.run("up");
    assert.equal(recreate.counts.replace, 1);
    assert.deepEqual(writes(emu).filter((w) => w !== "delete"), ["import", "publishVersion"]);
    assert.ok(emu.requests({ operation: "delete" }).every((e) => e.status === 404), "only a delete of the missing function");
    assert.equal(live("e2e-fn")!.digest, before.outputs.digest);
    assert.equal(recreate.outputs.funcUrn, urn);
    assert.equal(recreate.outputs.digest, before.outputs.digest);
  });

  await t.test("6. a rename imports the new function, then deletes the old one (no downtime)", async () => {
    const oldUrn = String(first.outputs.funcUrn);
    main.settings.funcName = "e2e-renamed";
    emu.clearLog();
    const up = await main.run("up");
    assert.equal(up.counts.replace, 1);
    const w = emu.requests({ writesOnly: true });
    assert.deepEqual(w.map((e) => e.operation), ["import", "publishVersion", "delete"]);
    assert.ok(w[2].path.includes("e2e-fn"), "the delete names the old function");
    assert.equal(live("e2e-fn"), undefined);
    assert.ok(live("e2e-renamed"));
    assert.match(String(up.outputs.funcUrn), /:e2e-renamed$/);
    assert.notEqual(up.outputs.funcUrn, oldUrn);
  });

  await t.test("8. adopt takes over a seeded function; without adopt the up fails naming `adopt: true`", async () => {
    await emu.seedFunction({ func_name: "e2e-existing", runtime: "Node.js18.15", handler: "index.handler", memory_size: 512 });
    const seeded = live("e2e-existing")!;
    const adoptApp = path.join(root, "adopt-app");
    writeApp(adoptApp, "adopted");
    const s = new E2EStack(root, "adopt", adoptApp, emulatorConfig(emu));
    s.settings.funcName = "e2e-existing";
    emu.clearLog();
    const failed = await s.fail("up");
    assert.match(failed.errors.join("\n"), /already exists.*Set `adopt: true`/s);
    assert.deepEqual(writes(emu), ["import"]); // refused by the service (FSS.1061), nothing changed
    assert.equal(live("e2e-existing")!.digest, seeded.digest);
    const leftState = fs.existsSync(s.stateFile) ? checkpointResources(s.stateText()) : [];
    assert.deepEqual(leftState, [], "the refused create recorded nothing");

    s.settings.adopt = true;
    emu.clearLog();
    const up = await s.run("up");
    assert.equal(up.counts.create, 1);
    assert.deepEqual(writes(emu), ["import", "updateCode", "updateConfig"]);
    assert.equal(up.outputs.funcUrn, seeded.func_urn.replace(/:latest$/, ""));
    assert.equal(live("e2e-existing")!.memory_size, 128);
    assert.equal(live("e2e-existing")!.digest, up.outputs.digest);
    assert.notEqual(up.outputs.digest, seeded.digest);
  });

  await t.test("9. destroy deletes the function", async () => {
    emu.clearLog();
    const d = await main.run("destroy");
    assert.equal(d.counts.delete, 1);
    assert.deepEqual(writes(emu), ["delete"]);
    assert.equal(live("e2e-renamed"), undefined);
    assert.deepEqual(checkpointResources(main.stateText()), [], "no resource left, not even the Stack or the provider");
  });

  await t.test("10. credentials from config secrets and the environment never reach the state file", async () => {
    // Permanent keys from stack config secrets (also checked on the main stack after its first up).
    const adoptState = fs.readFileSync(backendPaths(path.join(root, "backend", "adopt"), "e2e", "dev").checkpoint, "utf8");
    assertNoSecrets(adoptState, [emu.credentials.accessKey, emu.credentials.secretKey]);

    // Temporary keys + security token from stack config secrets.
    const tempConfig: StackConfig = {
      "functiongraph:endpoint": { value: emu.url },
      "functiongraph:region": { value: emu.region },
      "functiongraph:projectId": { value: emu.projectId },
      "functiongraph:accessKey": { value: TEMP.accessKey, secret: true },
      "functiongraph:secretKey": { value: TEMP.secretKey, secret: true },
      "functiongraph:securityToken": { value: TEMP.securityToken, secret: true },
    };
    const temp = new E2EStack(root, "temporary", app, tempConfig);
    temp.settings.funcName = "e2e-temporary";
    emu.clearLog();
    const r1 = await temp.run("up");
    assert.deepEqual(writes(emu), ["import"]);
    assert.deepEqual([...new Set(emu.requests().map((e) => e.authKind))], ["aksk-temporary"]);
    assertNoSecrets(temp.stateText(), [TEMP.accessKey, TEMP.secretKey, TEMP.securityToken], [r1.summary, temp.output.join("\n")]);

    // Permanent keys from the environment, endpoint from HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_<REGION>; the
    // TypeScript program through ts-node.
    const envStack = new E2EStack(root, "env", app, {}, {
      HW_ACCESS_KEY: emu.credentials.accessKey,
      HW_SECRET_KEY: emu.credentials.secretKey,
      HW_PROJECT_ID: emu.projectId,
      HW_REGION_NAME: emu.region,
      [`HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_${emu.region.toUpperCase().replace(/-/g, "_")}`]: emu.url,
    });
    envStack.program = TS_PROGRAM;
    envStack.settings.funcName = "e2e-env";
    emu.clearLog();
    const r2 = await envStack.run("up");
    assert.deepEqual(writes(emu), ["import"]);
    assert.deepEqual([...new Set(emu.requests().map((e) => e.authKind))], ["aksk"]);
    assert.match(String(r2.outputs.funcUrn), /:e2e-env$/);
    // Both the tsc-compiled program (temporary stack) and the ts-node one serialized the same shim: a checkout
    // outside node_modules requires the compiled implementation by absolute path.
    const impl = path.join(REPO_ROOT, "dist/provider/resource/lifecycle.js");
    for (const st of [temp, envStack]) assert.ok(providerStrings(st.stateText()).every((p) => p.includes(JSON.stringify(impl))));
    assertNoSecrets(envStack.stateText(), [emu.credentials.accessKey, emu.credentials.secretKey], [r2.summary, envStack.output.join("\n")]);

    // An IAM token from the environment, endpoint from functiongraph:endpoint.
    const tokenStack = new E2EStack(root, "token", app, {
      "functiongraph:endpoint": { value: emu.url },
      "functiongraph:region": { value: emu.region },
      "functiongraph:projectId": { value: emu.projectId },
    }, { HW_AUTH_TOKEN: AUTH_TOKEN });
    tokenStack.settings.funcName = "e2e-token";
    emu.clearLog();
    const r3 = await tokenStack.run("up");
    assert.deepEqual(writes(emu), ["import"]);
    assert.deepEqual([...new Set(emu.requests().map((e) => e.authKind))], ["token"]);
    assertNoSecrets(tokenStack.stateText(), [AUTH_TOKEN], [r3.summary, tokenStack.output.join("\n")]);
  });
});
