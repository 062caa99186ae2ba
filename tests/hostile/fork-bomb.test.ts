/**
 * A fork bomb in function code (Node.js and Python): the processes of one function's uid are capped
 * (`runtime.maxProcessesPerFunction`, RLIMIT_NPROC), so forking ends in EAGAIN well before the machine's limit;
 * the function sees the error and keeps running, and another function is not affected.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { deploy, sdkInvoke } from "../emulator/invoke-helpers";

const CAP = 48;
const TRIES = 400; // far above the cap: without it every try succeeds

// Each try leaves one `sleep` behind (the shell exits, its child stays): the count stops at the cap.
const NODE_BOMB = `const cp = require("child_process");
exports.handler = async () => {
  let made = 0, error = "";
  for (; made < ${TRIES}; made++) {
    const r = cp.spawnSync("/bin/sh", ["-c", "sleep 30 &"], { stdio: "ignore" });
    if (r.error || r.status !== 0) { error = r.error ? r.error.code : "status " + r.status; break; }
  }
  return { made, error };
};`;

const PYTHON_BOMB = `import os, time
def handler(event, context):
    made, error = 0, ""
    while made < ${TRIES}:
        try:
            pid = os.fork()
        except OSError as e:
            error = type(e).__name__
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
    return {"made": made, "error": error}
`;

describe("a fork bomb hits the function's process cap", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator({ quiet: true, runtime: { maxProcessesPerFunction: CAP } });
    await deploy(emu, "node-bomb", { "index.js": NODE_BOMB }, { timeout: 30 });
    await deploy(emu, "py-bomb", { "index.py": PYTHON_BOMB }, { runtime: "Python3.10", timeout: 30 });
    await deploy(emu, "bystander", { "index.js": "exports.handler = async () => 'fine';" });
  });
  after(() => emu.close());

  for (const name of ["node-bomb", "py-bomb"]) {
    it(`${name}: forking stops with an error below the cap, and the call still answers`, async () => {
      const out = await sdkInvoke(emu, name, {});
      assert.equal(out.status, 200, out.result);
      const { made, error } = out.parsed() as { made: number; error: string };
      assert.ok(made > 0 && made < CAP, `made ${made} processes (cap ${CAP})`);
      assert.notEqual(error, "", "forking failed with an error");
      assert.equal((await sdkInvoke(emu, "bystander", {})).result, '"fine"');
    });
  }
});
