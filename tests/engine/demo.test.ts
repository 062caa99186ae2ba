/**
 * The demo stack (root Pulumi.yaml: the three examples) through the harness against the embedded emulator, the
 * way `npm start` runs it but with a temp state file: up imports three functions, a second up writes nothing,
 * the dev credentials stay out of the state file; plus `fgs demo` argument parsing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { backendPaths, runStack } from "../../harness";
import { command as demo, demoArgs, emulatorConfig, invokeDemoFunctions } from "../../bin/commands/demo";
import { parseCommandArgs } from "../../bin/command";
import { REPO_ROOT } from "./fixtureStack";

test("the demo stack deploys to the emulator once and a second run writes nothing", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-demo-"));
  const emu = await startEmulator({ quiet: true });
  t.after(async () => {
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const stack = { projectDir: REPO_ROOT, backendDir: path.join(tmp, "backend"), config: emulatorConfig(emu), onOutput: () => {} };

  const first = await runStack({ ...stack, operation: "up" });
  assert.equal(first.counts.create, 3);
  assert.equal(emu.requests({ operation: "import" }).length, 3);
  assert.deepEqual(Object.keys(first.outputs.functions as object).sort(), ["custom-runtime", "hello-node", "hello-python"]);

  emu.clearLog();
  const second = await runStack({ ...stack, operation: "up" });
  assert.deepEqual([second.counts.same, second.counts.create, second.counts.update], [3, 0, 0]);
  assert.deepEqual(emu.requests({ writesOnly: true }), []);
  assert.deepEqual(second.outputs, first.outputs);

  // what `npm start` prints last: each function's answer, run by the emulator
  let said = "";
  await invokeDemoFunctions(emu, second.outputs, (t) => (said += t));
  assert.match(said, /hello-node\s+\{"statusCode":200/);
  assert.match(said, /hello-python\s+\{"statusCode": 200/);
  assert.match(said, /custom-runtime\s+\{"message":"hello, custom"/);
  assert.doesNotMatch(said, /FAILED|could not be invoked/);

  const state = fs.readFileSync(backendPaths(stack.backendDir, "pulumi-functiongraph-demo", "dev").checkpoint, "utf8");
  assert.equal(state.includes(emu.credentials.secretKey), false);
  assert.equal(state.includes(emu.credentials.accessKey), false);
});

test("fgs demo parses its options strictly", () => {
  const parse = (argv: string[]) => demoArgs(parseCommandArgs(demo, argv)!.values);
  assert.deepEqual(parse([]), { operation: "up", fresh: false });
  assert.deepEqual(parse(["--fresh", "--preview"]), { operation: "preview", fresh: true });
  assert.deepEqual(parse(["--destroy"]), { operation: "destroy", fresh: false });
  assert.throws(() => parse(["--preview", "--destroy"]), /choose one/);
  assert.throws(() => parse(["--yes"]), /Unknown option '--yes'/);
});
