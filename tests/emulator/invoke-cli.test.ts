import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { parseInvokeArgs } from "../../bin/commands/invoke";
import { functionKey } from "../../bin/commands/logs";
import { cleanEnv, deploy, eventually, fgs } from "./invoke-helpers";

describe("fgs invoke / fgs logs", () => {
  it("parses its flags strictly", () => {
    assert.deepEqual(parseInvokeArgs(["hello", "--data", '{"a":1}', "--log"]),
      { fn: "hello", event: { a: 1 }, async: false, log: true, endpoint: undefined, dataDir: undefined });
    assert.deepEqual(parseInvokeArgs(["hello", "--file", "ev.json", "--async"], () => "[1,2]").event, [1, 2]);
    assert.throws(() => parseInvokeArgs([]), /expected 1 argument, got 0/);
    assert.throws(() => parseInvokeArgs(["a", "--data", "{x"]), /--data: not valid JSON/);
    assert.throws(() => parseInvokeArgs(["a", "--data", "{}", "--file", "f"]), /give one of them/);
    assert.throws(() => parseInvokeArgs(["a", "--file", "missing"], () => { throw new Error("ENOENT"); }), /--file: cannot read 'missing'/);
    assert.throws(() => parseInvokeArgs(["a", "--bogus"]), /bogus/);
    assert.equal(functionKey("hello"), "default/hello");
    assert.equal(functionKey("app:hello"), "app/hello");
    assert.equal(functionKey("urn:fss:cn-north-4:p:function:app:hello:v1"), "app/hello");
  });

  it("invokes through an embedded emulator on a data dir (what npm start deploys to)", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "fgs-invoke-cli-"));
    try {
      const emu = await startEmulator({ dataDir });
      await deploy(emu, "hello", { "index.js": "exports.handler = async (e) => { console.log('logged', e.who); return { hi: e.who }; };" });
      await deploy(emu, "broken", { "index.js": "exports.handler = async () => { throw new Error('nope'); };" });
      await emu.close();
      const ok = await fgs(["invoke", "hello", "--data", '{"who":"cli"}', "--log", "--data-dir", dataDir]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), { hi: "cli" });
      assert.match(ok.stderr, /logged cli/);
      const bad = await fgs(["invoke", "broken", "--data-dir", dataDir]);
      assert.equal(bad.code, 1);
      assert.deepEqual(JSON.parse(bad.stdout), { errorMessage: "nope", errorType: "Error" });
      const missing = await fgs(["invoke", "absent", "--data-dir", dataDir]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /FSS\.1051/);
      assert.match(missing.stderr, /embedded emulator on .* has no such function; deployed to another emulator .*--endpoint/);

      // What the embedded emulator ran is kept in the data dir: fgs logs reads it from there...
      const fromDir = await fgs(["logs", "hello", "--data-dir", dataDir]);
      assert.equal(fromDir.code, 0, fromDir.stderr);
      assert.match(fromDir.stdout, /default\/hello:latest sync succeeded[\s\S]*logged cli/);
      const brokenLog = await fgs(["logs", "broken", "--data-dir", dataDir]);
      assert.match(brokenLog.stdout, /sync failed[\s\S]*error: Error: nope/);
      // ...and from an emulator started later on the same data dir.
      const later = await startEmulator({ dataDir, quiet: true });
      try {
        const admin = { env: { FGS_EMULATOR_ADMIN_TOKEN: later.adminToken } }; // the admin surface needs this run's token
        const fromApi = await fgs(["logs", "hello", "--endpoint", later.url], admin);
        assert.equal(fromApi.code, 0, fromApi.stderr);
        assert.match(fromApi.stdout, /default\/hello:latest sync succeeded[\s\S]*logged cli/);
        assert.equal(later.invocations({ function: "hello" }).length, 1);
        // A function that never existed is an error both ways, naming it.
        for (const where of [["--endpoint", later.url], ["--data-dir", dataDir]]) {
          const none = await fgs(["logs", "nosuchfn", ...where], admin);
          assert.equal(none.code, 1, `${where[0]}: ${none.stdout}`);
          assert.match(none.stderr, /no function 'default\/nosuchfn'/);
          assert.equal(none.stdout, "");
        }
      } finally {
        await later.close();
      }
      // --follow on the data dir prints the calls another process runs on it.
      const follow = fgs(["logs", "hello", "--follow", "--data-dir", dataDir], { until: (out) => /logged follow/.test(out) });
      let done = false;
      void follow.then(() => (done = true));
      for (let i = 0; i < 20 && !done; i++) await fgs(["invoke", "hello", "--data", '{"who":"follow"}', "--data-dir", dataDir]);
      assert.match((await follow).stdout, /logged follow/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe("against a running emulator (--endpoint)", () => {
    let emu: EmulatorHandle;
    before(async () => {
      emu = await startEmulator();
      await deploy(emu, "greet", { "index.js": "exports.handler = async (e) => { console.log('greeting', e.n); return 'hello ' + e.n; };" });
    });
    after(() => emu.close());

    it("sync and async invocations; fgs logs prints them", async () => {
      const sync = await fgs(["invoke", "greet", "--data", '{"n":1}', "--endpoint", emu.url]);
      assert.equal(sync.code, 0, sync.stderr);
      assert.equal(JSON.parse(sync.stdout), "hello 1");
      const async = await fgs(["invoke", "greet", "--data", '{"n":2}', "--async", "--endpoint", emu.url]);
      assert.equal(async.code, 0, async.stderr);
      const requestId = async.stdout.trim();
      await eventually(() => emu.invocations({ requestId }).find((r) => r.status === "succeeded"));
      const noToken = await fgs(["logs", "greet", "--endpoint", emu.url]);
      assert.equal(noToken.code, 1);
      assert.match(noToken.stderr, /FGS_EMULATOR_ADMIN_TOKEN/);
      const wrong = await fgs(["logs", "greet", "--endpoint", emu.url], { env: { FGS_EMULATOR_ADMIN_TOKEN: "not-this-runs-token" } });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /refused the admin token/);
      const logs = await fgs(["logs", "greet", "--endpoint", emu.url], { env: { FGS_EMULATOR_ADMIN_TOKEN: emu.adminToken } });
      assert.equal(logs.code, 0, logs.stderr);
      assert.match(logs.stdout, /default\/greet:latest sync succeeded[\s\S]*greeting 1/);
      assert.match(logs.stdout, new RegExp(`${requestId} default/greet:latest async succeeded[\\s\\S]*greeting 2`));
    });

    it("fgs logs --follow prints calls made after it started", async () => {
      const follow = fgs(["logs", "greet", "--follow", "--endpoint", emu.url], { until: (out) => /greeting 42/.test(out), env: { FGS_EMULATOR_ADMIN_TOKEN: emu.adminToken } });
      // Invoke until the follower has seen one (it may start after the first call).
      let done = false;
      void follow.then(() => (done = true));
      for (let i = 0; i < 200 && !done; i++) {
        await fgs(["invoke", "greet", "--data", '{"n":42}', "--endpoint", emu.url]);
        await new Promise((r) => setTimeout(r, 100));
      }
      const out = await follow;
      assert.match(out.stdout, /greeting 42/);
    });

    it("fgs logs without an emulator endpoint says how to get one", async () => {
      const nowhere = mkdtempSync(path.join(tmpdir(), "fgs-logs-nowhere-"));
      try {
        // No endpoint and no data dir where 'npm start' would have deployed.
        const r = await fgs(["logs", "greet"], { env: { ...cleanEnv(), FGS_DEMO_STATE_DIR: nowhere } });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /no emulator data dir at .*--data-dir DIR.*fgs emulator/s);
      } finally {
        rmSync(nowhere, { recursive: true, force: true });
      }
    });
  });
});
