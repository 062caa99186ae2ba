/**
 * What a new user does: deploy a Dependency, a function requiring its module and an APIG trigger through the
 * engine harness (the real dynamic-provider plugin) onto an emulator with a data dir; stop it; start another on
 * the same data dir (as `fgs emulator --data-dir` would) — then the trigger's `liveEventData.invoke_url` from the
 * stack outputs answers `curl` through the function and its layer, and `fgs invoke` / `fgs logs` on the data dir
 * see the calls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { runStack } from "../../harness";
import { emulatorConfig } from "../../bin/commands/demo";
import { curl, fgs } from "../emulator/invoke-helpers";
import { REPO_ROOT } from "./fixtureStack";

const PROGRAM = path.join(__dirname, "fixtures/around/index.js");

test("Dependency + Function + APIG trigger: invoke_url from the stack answers after a restart, with the layer's module", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-around-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const dataDir = path.join(root, "emulator");
  const app = path.join(root, "app");
  const lib = path.join(root, "lib", "nodejs", "node_modules", "greet");
  fs.mkdirSync(app, { recursive: true });
  fs.mkdirSync(lib, { recursive: true });
  fs.writeFileSync(path.join(lib, "index.js"), "module.exports = (who) => 'hello ' + who + ' from the greet layer';\n");
  fs.writeFileSync(path.join(app, "index.js"), `exports.handler = async (event) => {
    console.log("greeting", event.queryStringParameters.who);
    return { statusCode: 200, headers: { "Content-Type": "text/plain" }, body: require("greet")(event.queryStringParameters.who), isBase64Encoded: false };
  };\n`);

  const emu = await startEmulator({ quiet: true, dataDir });
  let invokeUrl: string;
  try {
    const up = await runStack({
      operation: "up", program: PROGRAM, project: "around", stack: "dev", backendDir: path.join(root, "state"),
      config: { ...emulatorConfig(emu), "c:sourceDir": { value: app }, "c:depDir": { value: path.join(root, "lib") } }, pluginCwd: REPO_ROOT,
    });
    assert.equal(up.counts.create, 3);
    invokeUrl = String(up.outputs.invokeUrl);
    assert.match(invokeUrl, /^http:\/\/127\.0\.0\.1:\d+\/apig\/g-around\/RELEASE\/greet$/);
  } finally {
    await emu.close();
  }

  const again = await startEmulator({ quiet: true, dataDir });
  try {
    const r = await curl(`${invokeUrl}?who=curl`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, "hello curl from the greet layer");
  } finally {
    await again.close();
  }
  const cli = await fgs(["invoke", "around-web", "--data", JSON.stringify({ queryStringParameters: { who: "cli" } }), "--data-dir", dataDir]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).body, "hello cli from the greet layer");
  const logs = await fgs(["logs", "around-web", "--data-dir", dataDir]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /greeting curl[\s\S]*greeting cli/);
});
