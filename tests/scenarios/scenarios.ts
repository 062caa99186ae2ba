/**
 * The scenario table both engines run (tests/pulumi-cli/ with the real Pulumi CLI, tests/engine/scenarios.test.ts
 * with the harness): each scenario drives a {@link Driver} against the emulator and asserts on the emulator's
 * request log, the outputs and the state. Scenarios marked `cliOnly` cover engine features the harness does not
 * implement (resource options, --target, killed runs, `pulumi import`).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EmulatorHandle } from "../../emulator";
import { CliDriver, type Driver, type FunctionSpec } from "./driver";

/** One scenario. */
export interface Scenario {
  name: string;
  cliOnly?: boolean;
  run(d: Driver): Promise<void>;
}

/** Write operations in the emulator's log since the last clear, in order. */
export function writes(emu: EmulatorHandle): string[] {
  return emu.requests({ writesOnly: true }).map((e) => e.operation);
}

function live(emu: EmulatorHandle, funcName: string) {
  return emu.functions().find((f) => f.func_name === funcName);
}

const n = (changes: Record<string, number>, k: string) => changes[k] ?? 0;

async function ok(d: Driver, op: Parameters<Driver["run"]>[0], opts?: Parameters<Driver["run"]>[1]) {
  const r = await d.run(op, opts);
  assert.ok(r.ok, `${d.engine} ${op} failed: ${r.error}\n${r.text.slice(-3000)}`);
  return r;
}

/** Writes the three example apps (Node.js, Python, Custom) into the project. */
function writeApps(d: Driver): void {
  d.write("node/index.js", "exports.handler = async (event) => ({ statusCode: 200, body: 'hello' });\n");
  d.write("python/index.py", "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hello'}\n");
  d.write("custom/bootstrap", "#!/bin/sh\nexec sleep 1\n", 0o755);
}

const SECRET_ENV = "plain-env-value-must-stay-encrypted-7Qx";

function threeFunctions(prefix: string): FunctionSpec[] {
  return [
    { name: "node", args: { sourceDir: "node", runtime: "Node.js18.15", handler: "index.handler", funcName: `${prefix}-node`, environment: { TOKEN: SECRET_ENV } } },
    { name: "python", args: { sourceDir: "python", runtime: "Python3.10", handler: "index.handler", funcName: `${prefix}-python` } },
    { name: "custom", args: { sourceDir: "custom", runtime: "Custom", handler: "bootstrap.handler", funcName: `${prefix}-custom`, memorySize: 256 } },
  ];
}

/**
 * A program with every kind of resource (written over the driver's default program): a Dependency; `api`
 * (no published versions) using it, with a TIMER and an APIG trigger and the alias `head` on its `version`;
 * `pub` (publishVersion) with the alias `live` on its published version and, once `pinned` is given, the alias
 * `pinned` on a fixed version. Every argument comes from the spec's entries of the same name.
 */
const FULL_STACK_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const fgs = require("pulumi-functiongraph");
const spec = JSON.parse(new pulumi.Config("t").require("spec"));
const by = Object.fromEntries(spec.functions.map((f) => [f.name, f.args]));
const dep = new fgs.Dependency("dep", by.dep);
const api = new fgs.Function("api", { ...by.api, dependencies: [dep.id] });
const pub = new fgs.Function("pub", by.pub);
new fgs.Trigger("timer", { functionUrn: api.funcUrn, type: "TIMER", eventData: { name: "tick", schedule_type: "Rate", schedule: "5m" } });
new fgs.Trigger("apig", { functionUrn: api.funcUrn, type: "APIG",
  eventData: { group_id: "g", env_id: "e", path: "/hello", req_method: "GET", auth: "NONE", protocol: "HTTP" } });
new fgs.Alias("head", { functionUrn: api.funcUrn, name: "head", version: api.version });
new fgs.Alias("live", { functionUrn: pub.funcUrn, name: "live", version: pub.version });
if (by.pinned) new fgs.Alias("pinned", { functionUrn: pub.funcUrn, name: "pinned", version: by.pinned.version });
module.exports = { pubVersion: pub.version, apiUrn: api.funcUrn };
`;

/** The resource name of a Pulumi URN (`…::name`). */
const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

/** `name: op` for every resource a run stepped through, sorted. */
function stepList(r: { steps: { urn: string; op: string }[] }): string[] {
  return r.steps.map((x) => `${nameOf(x.urn)}: ${x.op}`).sort();
}

/**
 * A preview, then `up`: the preview lists exactly the operations `up` performs (same resources, same ops),
 * writes nothing, and `up` makes exactly `expected` (name → op, the rest `same`) with no trigger or alias
 * created or deleted behind the engine's back. Returns the preview's text.
 */
async function previewThenUp(d: Driver, what: string, expected: Record<string, string>): Promise<string> {
  const emu = d.emu;
  emu.clearLog();
  const preview = await ok(d, "preview", { diff: true });
  assert.deepEqual(writes(emu), [], `${what}: the preview writes nothing`);
  const up = await ok(d, "up");
  assert.deepEqual(stepList(preview), stepList(up), `${what}: the preview lists exactly what up did`);
  const changed = Object.fromEntries(up.steps.filter((x) => x.op !== "same").map((x) => [nameOf(x.urn), x.op]));
  assert.deepEqual(changed, expected, `${what}: the operations`);
  // Triggers and aliases are created only when the step list says so, and never deleted or replaced.
  const companions = new Set(["timer", "apig", "head", "live", "pinned"]);
  const made = Object.entries(expected).filter(([name, op]) => companions.has(name) && op === "create").length;
  assert.equal(writes(emu).filter((op) => /^create(Trigger|Alias)$/.test(op)).length, made, `${what}: triggers and aliases created`);
  assert.deepEqual(writes(emu).filter((op) => /^delete(Trigger|Alias)$/.test(op)), [], `${what}: no trigger or alias deleted`);
  emu.clearLog();
  await ok(d, "preview", { expectNoChanges: true });
  return preview.text;
}

/** The `Function` resources' outputs in the stack's current checkpoint (`__provider` left out), in URN order. */
function functionOutputs(d: Driver): Record<string, unknown>[] {
  const file = d.stateFiles().find((f) => /[\\/]stacks[\\/].*[\\/]dev\.json$/.test(f));
  assert.ok(file, `the stack's checkpoint among ${d.stateFiles().join(", ")}`);
  const cp = JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint: { latest: { resources: { urn: string; type: string; outputs?: Record<string, unknown> }[] } } };
  return cp.checkpoint.latest.resources.filter((r) => r.type.endsWith(":Function")).sort((a, b) => a.urn.localeCompare(b.urn))
    // A secret's ciphertext is new each time the engine encrypts it again: compared as the same secret.
    .map((r) => JSON.parse(JSON.stringify(r.outputs ?? {}), (k, v) => (k === "ciphertext" ? "(secret)" : k === "__provider" ? undefined : v)));
}

export const SCENARIOS: Scenario[] = [
  {
    name: "previews tell the truth: code, memory, environment and dependency changes preview exactly what up does",
    async run(d) {
      const emu = d.emu;
      const p = `pv-${d.engine}`;
      d.write("index.js", FULL_STACK_PROGRAM);
      d.write("api/index.js", "exports.handler = async () => ({ statusCode: 200, body: 'api' });\n");
      d.write("pub/index.js", "exports.handler = async () => 'pub';\n");
      d.write("dep/lib.js", "module.exports = 1;\n");
      const api = { sourceDir: "api", runtime: "Node.js18.15", handler: "index.handler", funcName: `${p}-api`, description: "the api", environment: { MODE: "a" } };
      const pub = { sourceDir: "pub", runtime: "Node.js18.15", handler: "index.handler", funcName: `${p}-pub`, publishVersion: true };
      d.functions = [
        { name: "dep", args: { sourceDir: "dep", runtime: "Node.js18.15", name: `${p}-dep` } },
        { name: "api", args: api },
        { name: "pub", args: pub },
      ];
      const first = await ok(d, "up");
      assert.equal(n(first.changes, "create"), 7, JSON.stringify(first.changes));
      const pinned = String(first.outputs.pubVersion);
      assert.notEqual(pinned, "latest");
      d.functions.push({ name: "pinned", args: { version: pinned } });
      await previewThenUp(d, "an alias on a fixed version added", { pinned: "create" });

      d.write("api/index.js", "exports.handler = async () => ({ statusCode: 200, body: 'edited' });\n");
      await previewThenUp(d, "a code edit", { api: "update" });
      assert.deepEqual(writes(emu), [], "nothing left to do");

      Object.assign(api, { memorySize: 256 });
      Object.assign(pub, { memorySize: 256 });
      const memory = await previewThenUp(d, "a memory change", { api: "update", pub: "update", live: "update" });
      assert.match(memory, /memorySize[^\n]*128[^\n]*256/, "the preview shows 128 → 256");
      assert.equal(emu.functions().find((f) => f.func_name === `${p}-api`)?.memory_size, 256);

      api.environment = { MODE: "b" };
      await previewThenUp(d, "an environment change", { api: "update" });

      d.write("dep/lib.js", "module.exports = 2;\n");
      await previewThenUp(d, "a dependency change", { dep: "replace", api: "update" });

      delete (api as Record<string, unknown>).description;
      const removed = await previewThenUp(d, "a setting removed", { api: "update" });
      if (d.engine === "harness") assert.match(removed, /description: "the api" → \(removed\)/, "the preview shows the removal");
      else assert.match(removed, /description[^\n]*the api/, "the preview shows the removal");
      assert.equal(emu.functions().find((f) => f.func_name === `${p}-api`)?.description, "", "up cleared it");

      const gone = await ok(d, "destroy");
      assert.equal(n(gone.changes, "delete"), 8, JSON.stringify(gone.changes));
      assert.deepEqual(emu.functions().filter((f) => f.func_name.startsWith(p)), []);
      emu.clearLog(); // the next scenario on this emulator starts from an empty log
    },
  },
  {
    name: "lifecycle: up, no-op, code edit, setting, rename, drift, destroy; no secret in state",
    async run(d) {
      const emu = d.emu;
      const p = `lc-${d.engine}`;
      writeApps(d);
      d.functions = threeFunctions(p);

      // 1. one import each
      const first = await ok(d, "up");
      assert.equal(n(first.changes, "create"), 3);
      assert.deepEqual(writes(emu).sort(), ["import", "import", "import"]);
      const nodeUrn = String((first.outputs.node as { urn: string }).urn);

      // 2. preview --expect-no-changes and a second up: zero write calls
      emu.clearLog();
      await ok(d, "preview", { expectNoChanges: true });
      const second = await ok(d, "up", { expectNoChanges: true });
      assert.equal(n(second.changes, "same"), 3);
      assert.deepEqual(writes(emu), []);

      // 3. one file edited: the preview names it; one PUT code
      d.write("node/index.js", "exports.handler = async () => ({ statusCode: 200, body: 'edited' });\n");
      d.write("node/lib/util.js", "module.exports = 1;\n");
      const edited = await ok(d, "preview", { diff: true });
      assert.match(edited.text, /index\.js/, "the preview names the changed file");
      assert.match(edited.text, /lib\/util\.js/, "the preview names the added file");
      assert.deepEqual(writes(emu), []);
      await ok(d, "up");
      assert.deepEqual(writes(emu), ["updateCode"]);

      // 4. a setting changed: one PUT config, the preview shows old and new
      emu.clearLog();
      d.functions[0].args.memorySize = 256;
      const setting = await ok(d, "preview", { diff: true });
      assert.match(setting.text, /memorySize[^\n]*128[^\n]*256/, "the preview shows 128 → 256");
      await ok(d, "up");
      assert.deepEqual(writes(emu), ["updateConfig"]);
      assert.equal(live(emu, `${p}-node`)?.memory_size, 256);

      // 5. a rename: the new function is imported before the old one is deleted
      emu.clearLog();
      d.functions[1].args.funcName = `${p}-python2`;
      const renamed = await ok(d, "up");
      assert.equal(n(renamed.changes, "replace"), 1);
      assert.deepEqual(writes(emu), ["import", "delete"]);
      assert.equal(live(emu, `${p}-python`), undefined);
      assert.ok(live(emu, `${p}-python2`));

      // 6. drift: preview reports it, refresh records it, up repairs it
      await emu.modifyConfig(nodeUrn, { memory_size: 512 });
      emu.clearLog();
      const drifted = await ok(d, "preview");
      assert.equal(n(drifted.changes, "update"), 1, "the preview reports the drift as an update");
      await ok(d, "refresh");
      assert.match(d.stateText(), /"memorySize":\s*512/, "refresh records the live value");
      assert.deepEqual(writes(emu), []);
      await ok(d, "up");
      assert.deepEqual(writes(emu), ["updateConfig"]);
      assert.equal(live(emu, `${p}-node`)?.memory_size, 256, "up repairs the drift");

      // 8. no credential or plaintext environment value in any state file
      const state = d.stateText();
      for (const secret of [emu.credentials.accessKey, emu.credentials.secretKey, SECRET_ENV]) {
        assert.equal(state.includes(secret), false, `a secret reached the state: ${secret.slice(0, 4)}…`);
      }

      if (d instanceof CliDriver) {
        // `pulumi stack export` and the stack's config file: the credentials and the environment only encrypted
        const exported = await d.pulumi(["stack", "export", "--stack", "dev"]);
        assert.equal(exported.code, 0, exported.output);
        assert.match(exported.output, /"ciphertext"/, "the secret environment is in the export, encrypted");
        const stackFile = fs.readFileSync(path.join(d.dir, "Pulumi.dev.yaml"), "utf8");
        assert.match(stackFile, /functiongraph:secretKey:\s*\n\s*secure: /, "the secret key is stored as a secure value");
        for (const secret of [emu.credentials.accessKey, emu.credentials.secretKey, SECRET_ENV]) {
          assert.equal(exported.output.includes(secret), false, `a secret is in pulumi stack export: ${secret.slice(0, 4)}…`);
          assert.equal(stackFile.includes(secret), false, `a secret is in Pulumi.dev.yaml in clear: ${secret.slice(0, 4)}…`);
        }
      }

      // 7. destroy: nothing left
      emu.clearLog();
      const gone = await ok(d, "destroy");
      assert.equal(n(gone.changes, "delete"), 3);
      assert.deepEqual(writes(emu), ["delete", "delete", "delete"]);
      assert.deepEqual(emu.functions().filter((f) => f.func_name.startsWith(p)), []);
    },
  },
  {
    name: "refresh after an up that created a function in a second up changes nothing, twice",
    async run(d) {
      const emu = d.emu;
      const p = `rf-${d.engine}`;
      writeApps(d);
      const [node, python] = threeFunctions(p);
      d.functions = [node];
      await ok(d, "up");
      d.functions = [node, python];
      const second = await ok(d, "up");
      assert.equal(n(second.changes, "create"), 1, "the second up creates the Python function");
      const before = functionOutputs(d);
      assert.equal(before.length, 2);
      for (const o of before) assert.equal(typeof o.funcId, "string", `the create recorded what a read gives (funcId of ${o.funcName})`);
      for (const round of [1, 2]) {
        emu.clearLog();
        const r = await ok(d, "refresh", { expectNoChanges: true });
        assert.equal(n(r.changes, "update"), 0, `refresh ${round}: nothing updated`);
        assert.deepEqual(writes(emu), [], `refresh ${round} only reads`);
        assert.deepEqual(functionOutputs(d), before, `refresh ${round}: the recorded outputs did not move`);
      }
    },
  },
  {
    name: "a failed create is reported as failed and leaves nothing behind",
    async run(d) {
      d.write("app/index.js", "exports.handler = async () => 1;\n");
      d.functions = [{ name: "bad", args: { sourceDir: "app", runtime: "Node.js18.15", handler: "index.handler", funcName: `bad-${d.engine}`, memorySize: 100 } }];
      const r = await d.run("up");
      assert.equal(r.ok, false);
      assert.match(r.text + (r.error ?? ""), /memorySize/);
      assert.equal(n(r.changes, "create"), 0);
      assert.equal(n(r.changes, "same"), 0, "a failed check is not 'unchanged'");
      assert.equal(live(d.emu, `bad-${d.engine}`), undefined);
    },
  },
  {
    name: "engine features: dependsOn, protect, ignoreChanges, retainOnDelete, --target, deleteBeforeReplace, aliases",
    cliOnly: true,
    async run(d) {
      const emu = d.emu;
      const p = "ef";
      d.write("app/index.js", "exports.handler = async () => 1;\n");
      const fn = (name: string, extra: Partial<FunctionSpec> = {}): FunctionSpec =>
        ({ name, args: { sourceDir: "app", runtime: "Node.js18.15", handler: "index.handler", funcName: `${p}-${name}` }, ...extra });
      d.functions = [fn("a"), fn("b", { dependsOn: ["a"] }), fn("kept", { protect: true }), fn("ign", { ignoreChanges: ["memorySize"] }), fn("retain", { retainOnDelete: true })];
      // dependsOn: the engine starts `b` only once `a` is done
      emu.clearLog();
      const created = await ok(d, "up");
      assert.equal(emu.requests({ operation: "import" }).length, 5);
      const at = (phase: string, name: string) => created.events!.findIndex((e) => e.phase === phase && e.urn.endsWith(`::${name}`));
      assert.ok(at("outputs", "a") >= 0 && at("pre", "b") > at("outputs", "a"), "b's step starts after a's finished");

      // ignoreChanges: a change to an ignored property makes no call
      emu.clearLog();
      d.functions.find((f) => f.name === "ign")!.args.memorySize = 512;
      await ok(d, "up");
      assert.deepEqual(writes(emu), []);

      // --target: only the targeted resource is updated
      const cli = d as CliDriver;
      d.functions.find((f) => f.name === "a")!.args.memorySize = 256;
      d.functions.find((f) => f.name === "b")!.args.memorySize = 256;
      const urnOf = (name: string) => `urn:pulumi:dev::scenario::pulumi-nodejs:dynamic/functiongraph:Function::${name}`;
      const targeted = await d.run("up", { target: [urnOf("a")] });
      assert.ok(targeted.ok, targeted.error);
      assert.deepEqual(writes(emu), ["updateConfig"]);
      assert.equal(live(emu, `${p}-a`)?.memory_size, 256);
      assert.equal(live(emu, `${p}-b`)?.memory_size, 128);
      await ok(d, "up");

      // protect: removing a protected resource fails and deletes nothing
      emu.clearLog();
      const withoutKept = d.functions.filter((f) => f.name !== "kept");
      const all = d.functions;
      d.functions = withoutKept;
      const refused = await d.run("up");
      assert.equal(refused.ok, false);
      assert.match(refused.text + refused.error, /protect/i);
      assert.ok(live(emu, `${p}-kept`));
      d.functions = all;

      // retainOnDelete: removed from the program, the function stays in the service
      emu.clearLog();
      d.functions = d.functions.filter((f) => f.name !== "retain");
      await ok(d, "up");
      assert.deepEqual(writes(emu), []);
      assert.ok(live(emu, `${p}-retain`));

      // aliases: renaming the Pulumi resource (same function) replaces nothing
      emu.clearLog();
      const ign = d.functions.find((f) => f.name === "ign")!;
      ign.name = "ign2";
      ign.aliases = ["ign"];
      const aliased = await ok(d, "up");
      assert.equal(n(aliased.changes, "replace") + n(aliased.changes, "create") + n(aliased.changes, "delete"), 0);
      assert.deepEqual(writes(emu), []);

      // deleteBeforeReplace: a rename with the option deletes first
      emu.clearLog();
      const a = d.functions.find((f) => f.name === "a")!;
      a.deleteBeforeReplace = true;
      a.args.funcName = `${p}-a-renamed`;
      await ok(d, "up");
      const w = writes(emu);
      assert.deepEqual(w.filter((o) => o !== "updateConfig"), ["delete", "import"]);

      // cleanup: unprotect, then destroy
      d.functions.find((f) => f.name === "kept")!.protect = false;
      await ok(d, "up");
      await ok(d, "destroy");
      assert.equal(cli.engine, "cli");
    },
  },
  {
    name: "an up killed with SIGKILL mid-create, then cancel, refresh and up as a user would: one function, nothing lost",
    cliOnly: true,
    async run(d) {
      const cli = d as CliDriver;
      const emu = d.emu;
      d.write("app/index.js", "exports.handler = async () => 'killed';\n");
      d.functions = [{ name: "k", args: { sourceDir: "app", runtime: "Node.js18.15", handler: "index.handler", funcName: "killed-fn" } }];
      emu.clearLog();
      emu.setFaults("latency=1:2500ms");
      const running = d.run("up");
      let settled = false;
      void running.then(() => (settled = true));
      // The provider prints "packaged" right before it sends the import (which the latency holds for 2.5 s):
      // once the engine has shown that line, the import is in flight: kill everything.
      const deadline = Date.now() + 240_000;
      while (!/packaged/.test(cli.progress) && !settled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1200));
      if (!cli.pid) {
        const early = await running;
        assert.fail(`the run is no longer in progress (ok: ${early.ok}):\n${early.text.slice(-3000)}`);
      }
      process.kill(-cli.pid, "SIGKILL");
      const killed = await running;
      assert.equal(killed.ok, false);
      emu.setFaults(null);
      await new Promise((r) => setTimeout(r, 3000)); // let the emulator finish the call it was given

      const cancel = await cli.pulumi(["cancel", "--yes", "--stack", "dev"]);
      assert.ok(cancel.code === 0 || /no .*update|not.*in progress|nothing to cancel/i.test(cancel.output), cancel.output);
      await ok(d, "refresh", { clearPendingCreates: true });
      const up = await ok(d, "up");
      assert.ok(n(up.changes, "create") + n(up.changes, "same") === 1, JSON.stringify(up.changes));
      assert.equal(emu.functions().filter((f) => f.func_name === "killed-fn").length, 1, "one function");
      emu.clearLog();
      await ok(d, "up", { expectNoChanges: true });
      assert.deepEqual(writes(emu), []);
      await ok(d, "destroy");
      assert.equal(live(emu, "killed-fn"), undefined);
    },
  },
  {
    name: "`pulumi import` is refused for a dynamic resource; `adopt: true` takes the function over",
    cliOnly: true,
    async run(d) {
      const cli = d as CliDriver;
      const emu = d.emu;
      const seeded = await emu.seedFunction({ func_name: "adopt-me", runtime: "Node.js18.15", handler: "index.handler", memory_size: 512 });
      d.write("app/index.js", "exports.handler = async () => 'adopted';\n");
      await ok(d, "up"); // an empty stack, so that `pulumi import` has a stack to import into
      const imported = await cli.pulumi(["import", "pulumi-nodejs:dynamic:Resource", "adopted", seeded.func_urn, "--yes", "--stack", "dev"]);
      assert.notEqual(imported.code, 0, "the engine cannot import a dynamic resource");
      assert.equal(live(emu, "adopt-me")?.memory_size, 512, "the failed import changed nothing");

      d.functions = [{ name: "adopted", args: { sourceDir: "app", runtime: "Node.js18.15", handler: "index.handler", funcName: "adopt-me" } }];
      const refused = await d.run("up");
      assert.equal(refused.ok, false);
      assert.match(refused.text, /adopt: true/, "the message says how to take it over");
      d.functions[0].args.adopt = true;
      emu.clearLog();
      await ok(d, "up");
      const imports = emu.requests({ operation: "import" });
      assert.deepEqual(imports.map((e) => e.status), [409], "the import finds the name taken (FSS.1061): the function is taken over, never duplicated");
      assert.equal(live(emu, "adopt-me")?.memory_size, 128);
      assert.equal(emu.functions().filter((f) => f.func_name === "adopt-me").length, 1);
      await ok(d, "destroy");
    },
  },
];
