import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseEmulatorArgs } from "../../bin/commands/emulator";

const FGS = path.join(__dirname, "..", "..", "bin", "fgs.js");

function runFgs(args: string[], onStdout?: (text: string, stop: () => void) => void, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FGS, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd });
    let stdout = "";
    let stderr = "";
    let stopped = false;
    const stop = () => {
      if (!stopped) child.kill("SIGTERM");
      stopped = true;
    };
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(stdout, stop);
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("fgs emulator", () => {
  it("parses its flags strictly", () => {
    assert.deepEqual(parseEmulatorArgs(["--port", "8080", "--data-dir", "/tmp/x", "--access-key", "AK", "--secret-key", "SK", "--faults", "429=0.1"]), {
      quiet: true, port: 8080, dataDir: "/tmp/x", credentials: { accessKey: "AK", secretKey: "SK" }, faults: "429=0.1",
    });
    assert.equal(parseEmulatorArgs(["--port=9"]).port, 9);
    assert.throws(() => parseEmulatorArgs(["--port", "http"]), /port/);
    assert.equal(parseEmulatorArgs(["--apig-port", "8123"]).runtime?.apigPort, 8123);
    assert.throws(() => parseEmulatorArgs(["--apig-port", "70000"]), /apig-port/);
    assert.throws(() => parseEmulatorArgs(["--access-key", "AK"]), /go together/);
    assert.throws(() => parseEmulatorArgs(["--faults", "429=7"]), /probability/);
    assert.throws(() => parseEmulatorArgs(["--bogus"]), /Unknown option .--bogus./);
    assert.throws(() => parseEmulatorArgs(["--data-dir"]), /--data-dir <value>. argument missing/);
  });

  it("prints the endpoint, credentials and stack settings, and stops cleanly on SIGTERM", async () => {
    const r = await runFgs(["emulator"], (out, stop) => {
      if (out.includes("Ctrl-C to stop")) stop();
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /apig {8}http:\/\/127\.0\.0\.1:\d+\/apig\/<group>\/<env><path>/);
    for (const s of ["functiongraph:endpoint", "functiongraph:projectId", "--secret functiongraph:secretKey", "HW_ACCESS_KEY", "HUAWEICLOUD_SDK_REGION_FUNCTIONGRAPH_CN_NORTH_4", "EMULATORDEVACCESSKEY"]) {
      assert.ok(r.stdout.includes(s), s);
    }
  });

  it("prints the OBS certificate's path absolute, with a relative --data-dir, for lines pasted in another shell", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fgs-emu-ca-"));
    try {
      const r = await runFgs(["emulator", "--data-dir", "data"], (out, stop) => {
        if (out.includes("Ctrl-C to stop")) stop();
      }, dir);
      assert.equal(r.code, 0, r.stderr);
      const ca = /AWS_CA_BUNDLE=(\S+)/.exec(r.stdout)?.[1];
      assert.equal(ca, path.join(realpathSync(dir), "data", "obs", "tls", "cert.pem"), r.stdout);
      assert.ok(existsSync(ca!), "the printed certificate exists");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints a curl command that works, and its admin index lists the endpoints", async () => {
    let answers: { list?: number; index?: unknown; unsigned?: number } = {};
    const r = await runFgs(["emulator"], (out, stop) => {
      const m = /curl -s -H 'X-Auth-Token: ([^']+)' (\S+)/.exec(out);
      const token = /export FGS_EMULATOR_ADMIN_TOKEN=(\S+)/.exec(out);
      if (!m || !token || !out.includes("Ctrl-C to stop") || Object.keys(answers).length) return;
      answers = { list: 0 };
      void (async () => {
        answers.list = (await fetch(m[2], { headers: { "X-Auth-Token": m[1] } })).status;
        answers.unsigned = (await fetch(m[2])).status;
        answers.index = await (await fetch(new URL("/__admin/", m[2]), { headers: { "X-Fgs-Admin": token[1] } })).json();
        stop();
      })();
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(answers.list, 200, "the printed curl command is accepted");
    assert.equal(answers.unsigned, 401, "without the token the API still needs a signature");
    assert.ok((answers.index as { endpoints: string[] }).endpoints.includes("GET /__admin/functions"));
  });

  it("says clearly when its port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const r = await runFgs(["emulator", "--port", String(port)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port ${port} is already in use.*choose another --port`));
    } finally {
      blocker.close();
    }
  });

  it("refuses a corrupt data dir with a clear error and a failing exit code", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fgs-cli-"));
    try {
      writeFileSync(path.join(dir, "state.json"), "garbage");
      const r = await runFgs(["emulator", "--data-dir", dir]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /is corrupt: state.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects a bad --faults spec with exit code 2", async () => {
    const r = await runFgs(["emulator", "--faults", "reset=yes"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /reset=yes/);
  });
});
