/**
 * `fgs demo` with a `pulumi` CLI on the PATH: it must drive the CLI (stack select, config set with secrets on
 * stdin, up) against the file backend — and keep the in-process emulator answering while the CLI runs (a
 * synchronous spawn would block it). A fake `pulumi` records what it was asked and calls the emulator the way
 * the provider plugin would.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../../bin/commands/demo";

const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require("fs");
const http = require("http");
const log = process.env.FAKE_PULUMI_LOG;
const args = process.argv.slice(2);
const record = (extra) => fs.appendFileSync(log, JSON.stringify({ args, backend: process.env.PULUMI_BACKEND_URL,
  passphrase: Boolean(process.env.PULUMI_CONFIG_PASSPHRASE), cwd: process.cwd(), ...extra }) + "\\n");
if (args[0] === "version") { console.log("v3.999.0-fake"); process.exit(0); }
if (args[0] === "config") {
  let input = "";
  process.stdin.on("data", (c) => (input += c));
  process.stdin.on("end", () => { record({ stdin: input }); process.exit(0); });
} else if (args[0] === "up") {
  const lines = fs.readFileSync(log, "utf8").trim().split("\\n").map((l) => JSON.parse(l));
  const endpoint = lines.find((l) => l.args[2] === "functiongraph:endpoint").stdin;
  http.get(endpoint + "/__admin/requests", (res) => { res.resume(); record({ emulatorStatus: res.statusCode }); process.exit(0); })
    .on("error", (e) => { record({ emulatorError: e.message }); process.exit(3); })
    .setTimeout(5000, function () { this.destroy(new Error("emulator did not answer")); });
} else { record({}); process.exit(0); }
`;

test("with a pulumi CLI on the PATH, fgs demo drives it and the emulator keeps answering", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-demo-cli-"));
  const bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "pulumi"), FAKE_PULUMI, { mode: 0o755 });
  const logFile = path.join(tmp, "calls.jsonl");
  const saved = { PATH: process.env.PATH, FAKE_PULUMI_LOG: process.env.FAKE_PULUMI_LOG, FGS_DEMO_STATE_DIR: process.env.FGS_DEMO_STATE_DIR };
  process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
  process.env.FAKE_PULUMI_LOG = logFile;
  process.env.FGS_DEMO_STATE_DIR = tmp;
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const code = await run([]);
  assert.equal(code, 0);
  const calls = fs.readFileSync(logFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as {
    args: string[]; backend: string; passphrase: boolean; stdin?: string; emulatorStatus?: number;
  });
  assert.deepEqual(calls[0].args, ["stack", "select", "dev", "--create", "--secrets-provider", "passphrase"]);
  const sets = calls.filter((c) => c.args[0] === "config");
  assert.deepEqual(sets.map((c) => c.args[2]).sort(), [
    "functiongraph:accessKey", "functiongraph:endpoint", "functiongraph:projectId", "functiongraph:region", "functiongraph:secretKey",
  ]);
  for (const c of sets) {
    const secret = c.args[2] === "functiongraph:accessKey" || c.args[2] === "functiongraph:secretKey";
    assert.equal(c.args.includes("--secret"), secret, `${c.args[2]} secret flag`);
    assert.ok(c.stdin && !c.args.includes(c.stdin), `${c.args[2]}: the value goes through stdin, never argv`);
  }
  const up = calls[calls.length - 1];
  assert.deepEqual(up.args, ["up", "--yes", "--skip-preview=false", "--stack", "dev", "--non-interactive"]);
  assert.equal(up.emulatorStatus, 200, "the emulator answered while the CLI was running");
  for (const c of calls) {
    assert.equal(c.backend, `file://${path.join(tmp, ".pulumi")}`);
    assert.equal(c.passphrase, true);
  }
});
