/**
 * Edges: temp files a killed write left in the emulator's data dir are cleaned on start (only those whose writer
 * is gone); `fgs emulator` takes its secret key from a file or the environment so it never shows in the process
 * list, and warns when it is given on the command line.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { signedRequest } from "../emulator/helpers";
import { startChildEmulator } from "./child-emulator";

const FGS = path.join(__dirname, "..", "..", "bin", "fgs.js");

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("emulator data dir: temp files of a killed write", () => {
  it("are removed on start when their writer is gone; live writers' files and other files are kept; the data loads", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-data-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    let emu = await startEmulator({ dataDir: dir });
    await emu.seedFunction({ func_name: "kept" });
    await emu.close();
    const dead = deadPid();
    const stale = [path.join(dir, `state.json.${dead}.deadbeef.tmp`), path.join(dir, "blobs", `${"a".repeat(128)}.zip.${dead}.0123abcd.tmp`)];
    const live = path.join(dir, `state.json.${process.ppid}.cafebabe.tmp`); // a writer that still runs
    const other = path.join(dir, "notes.tmp");
    for (const f of [...stale, live, other]) fs.writeFileSync(f, "half written");
    emu = await startEmulator({ dataDir: dir });
    try {
      assert.deepEqual(stale.filter((f) => fs.existsSync(f)), [], "stale temp files removed");
      assert.ok(fs.existsSync(live) && fs.existsSync(other), "a live writer's temp file and unrelated files are kept");
      assert.deepEqual(emu.functions().map((f) => f.func_name), ["kept"]);
    } finally {
      await emu.close();
    }
  });
});

describe("fgs emulator: the secret key off the command line", { timeout: 60_000 }, () => {
  const SECRET = "s3cret-from-a-file-7d1f";

  async function worksWith(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
    const child = await startChildEmulator(args, env);
    try {
      const cmdline = fs.existsSync(`/proc/${child.pid}/cmdline`) ? fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8") : "";
      assert.ok(!cmdline.includes(SECRET), "the secret is not in the process's command line");
      const emu = { ...child.handle, credentials: { accessKey: "MYACCESSKEY", secretKey: SECRET } } as EmulatorHandle;
      assert.equal((await signedRequest(emu, "GET", "")).status, 200, "signed with the secret given out of band");
      assert.equal((await signedRequest({ ...emu, credentials: { accessKey: "MYACCESSKEY", secretKey: "wrong" } } as EmulatorHandle, "GET", "")).status, 401);
    } finally {
      await child.stop();
    }
  }

  it("--secret-key-file PATH (first line) and FGS_EMULATOR_SECRET_KEY both work, keeping the secret out of the process list", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-sk-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "sk");
    fs.writeFileSync(file, `${SECRET}\n`, { mode: 0o600 });
    const env = { ...process.env };
    delete env.FGS_EMULATOR_SECRET_KEY;
    delete env.FGS_EMULATOR_ACCESS_KEY;
    await worksWith(["--access-key", "MYACCESSKEY", "--secret-key-file", file], env);
    await worksWith([], { ...env, FGS_EMULATOR_ACCESS_KEY: "MYACCESSKEY", FGS_EMULATOR_SECRET_KEY: SECRET });
  });

  it("--secret-key still works but warns that it is visible; two sources at once or half a pair are refused", () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [FGS, "emulator", ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 20_000 });
    const both = run(["--access-key", "AK", "--secret-key", "x"], { FGS_EMULATOR_SECRET_KEY: "y" });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give the secret key one way, not --secret-key and FGS_EMULATOR_SECRET_KEY/);
    assert.match(both.stderr, /visible to every user of this machine in the process list/, "warned even when refused");
    const half = run([], { FGS_EMULATOR_SECRET_KEY: "y" });
    assert.equal(half.status, 2);
    assert.match(half.stderr, /go together/);
    const empty = run(["--access-key", "AK", "--secret-key-file", "/dev/null"]);
    assert.match(empty.stderr, /is empty/);
  });
});
