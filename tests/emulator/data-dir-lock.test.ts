/**
 * One emulator per data dir (emulator/store/data-dir-lock.ts): a second one — in this process, `fgs emulator`,
 * `fgs invoke`'s or `fgs up`'s embedded one — is refused with the dir, the holder's pid and endpoint and what to
 * do; `fgs up --endpoint` then runs against the holder; a lock left by a dead process (or a pid now used by
 * another process) is taken over; close releases it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { LOCK_FILE, processStartMs } from "../../emulator/store/data-dir-lock";

const FGS = path.join(__dirname, "..", "..", "bin", "fgs.js");

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-lock-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function runFgs(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FGS, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const lockOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as { pid: number; startedAt: number; url?: string };

describe("the data dir lock", () => {
  it("a second emulator on the data dir is refused naming the dir, the holder and the fixes; close releases it", async (t) => {
    const dataDir = tempDir(t);
    const first = await startEmulator({ quiet: true, dataDir });
    try {
      const held = lockOf(dataDir);
      assert.equal(held.pid, process.pid);
      assert.equal(held.url, first.url, "the holder's endpoint is in the lock once it listens");
      await assert.rejects(startEmulator({ quiet: true, dataDir }), (e: Error & { code?: string; holder?: { pid: number } }) => {
        assert.equal(e.code, "FGS_DATA_DIR_LOCKED");
        assert.equal(e.holder?.pid, process.pid);
        assert.ok(e.message.includes(`the data dir '${dataDir}' is in use by another emulator (pid ${process.pid}`), e.message);
        assert.ok(e.message.includes(`serving ${first.url}`) && e.message.includes(`--endpoint ${first.url}`) && e.message.includes("another --data-dir"), e.message);
        return true;
      });
      assert.equal(lockOf(dataDir).pid, process.pid, "the refused start left the holder's lock alone");
    } finally {
      await first.close();
    }
    assert.ok(!fs.existsSync(path.join(dataDir, LOCK_FILE)), "released on close");
    const next = await startEmulator({ quiet: true, dataDir });
    await next.close();
  });

  it("a lock of a process that is gone, or of a pid now used by another process, is taken over", async (t) => {
    const dataDir = tempDir(t);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const write = (pid: number, startedAt: number) => fs.writeFileSync(path.join(dataDir, LOCK_FILE),
      JSON.stringify({ format: "fgs-emulator-lock/1", token: "old", pid, startedAt, host: os.hostname(), url: "http://127.0.0.1:1" }));
    for (const [why, pid, startedAt] of [["dead pid", dead, Date.now() - 60_000], ["reused pid", process.pid, processStartMs(process.pid)! - 3_600_000]] as const) {
      write(pid, startedAt);
      const emu = await startEmulator({ quiet: true, dataDir });
      try {
        assert.equal(lockOf(dataDir).url, emu.url, why);
      } finally {
        await emu.close();
      }
    }
  });

  it("fgs emulator holds it: fgs emulator and fgs invoke on the dir are refused, fgs preview says to use --endpoint, which works", async (t) => {
    const root = tempDir(t);
    const stateDir = path.join(root, ".fgs");
    const dataDir = path.join(stateDir, "emulator");
    const holder = spawn(process.execPath, [FGS, "emulator", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    t.after(() => holder.kill("SIGKILL"));
    let out = "";
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("Ctrl-C to stop")) resolve();
      });
      holder.on("exit", (code) => reject(new Error(`fgs emulator exited ${code}`)));
    });
    const url = /listening on (http:\S+)/.exec(out)![1];

    const second = await runFgs(["emulator", "--data-dir", dataDir]);
    assert.equal(second.code, 1);
    assert.ok(second.stderr.includes(`fgs emulator: the data dir '${dataDir}' is in use by another emulator (pid ${holder.pid}`), second.stderr);
    assert.ok(second.stderr.includes(`--endpoint ${url}`), second.stderr);

    const invoke = await runFgs(["invoke", "hello", "--data-dir", dataDir]);
    assert.equal(invoke.code, 1);
    assert.ok(invoke.stderr.includes(`(pid ${holder.pid}, started `) && invoke.stderr.includes(`--endpoint ${url}`), invoke.stderr);

    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: lock-test\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(root, "index.js"), "");
    fs.symlinkSync(path.join(__dirname, "..", "..", "..", "node_modules"), path.join(root, "node_modules")); // @pulumi/pulumi for the harness
    const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "lock-test" };
    const preview = await runFgs(["preview", root, "--engine", "harness"], env);
    assert.equal(preview.code, 1, preview.stderr);
    assert.ok(preview.stderr.includes(`fgs preview: the embedded emulator's data dir ${dataDir} is in use by another emulator (pid ${holder.pid}, serving ${url}): ` +
      `run against it with \`fgs preview --endpoint ${url}\``), preview.stderr);

    const viaEndpoint = await runFgs(["preview", root, "--engine", "harness", "--json", "--endpoint", url], env);
    assert.equal(viaEndpoint.code, 0, viaEndpoint.stderr);
    assert.equal(JSON.parse(viaEndpoint.stdout).target, "endpoint");
    assert.ok(viaEndpoint.stderr.includes(`target: ${url} (--endpoint`), viaEndpoint.stderr);

    holder.kill("SIGTERM");
    await new Promise((resolve) => holder.once("exit", resolve));
    assert.ok(!fs.existsSync(path.join(dataDir, LOCK_FILE)), "released when fgs emulator stops");
  });
});
