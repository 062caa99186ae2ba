/**
 * A killed emulator's work dir (emulator/runtime/stale-work-dirs.ts): the next emulator started on the same base
 * removes it, and never the work dir of an emulator still running, nor a dir someone else planted under that name,
 * nor anything a link inside points at.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { removeStaleWorkDirs } from "../../emulator/runtime/stale-work-dirs";
import { deploy, sdkInvoke } from "./invoke-helpers";

const HERE = __dirname;

/** Starts an emulator in another process with work dirs under `base`, runs a function there, and resolves once it did. */
function emulatorInAnotherProcess(base: string): Promise<{ kill: () => Promise<void> }> {
  const script = `
    const { startEmulator } = require(${JSON.stringify(path.join(HERE, "..", "..", "emulator"))});
    const { deploy, sdkInvoke } = require(${JSON.stringify(path.join(HERE, "invoke-helpers"))});
    (async () => {
      const emu = await startEmulator({ quiet: true, runtime: { workDir: ${JSON.stringify(base)} } });
      await deploy(emu, "f", { "index.js": "exports.handler = async () => 1;" });
      await sdkInvoke(emu, "f");
      process.stdout.write("ran\\n");
    })();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      if (c.toString().includes("ran")) {
        resolve({ kill: () => new Promise<void>((r) => { child.on("exit", () => r()); child.kill("SIGKILL"); }) });
      }
    });
    child.on("exit", (code) => reject(new Error(`the other emulator exited (${code}) before running its function`)));
  });
}

const workDirs = (base: string) => fs.readdirSync(base).filter((n) => n.startsWith("fgs-runtime-"));

describe("work dirs of killed emulators", () => {
  it("are removed by the next emulator on the same base; a running emulator's is kept", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-workbase-"));
    try {
      const killed = await emulatorInAnotherProcess(base);
      const running = await emulatorInAnotherProcess(base);
      try {
        const left = workDirs(base);
        assert.equal(left.length, 2, "each emulator has its work dir");
        await killed.kill(); // SIGKILL: no close, no exit handler
        assert.equal(workDirs(base).length, 2, "the killed emulator's work dir stays behind");
        const foreign = path.join(base, "fgs-runtime-unrelated");
        fs.mkdirSync(foreign);
        const emu = await startEmulator({ quiet: true, runtime: { workDir: base } });
        try {
          const after = workDirs(base);
          assert.equal(after.length, 2, `one of ${left.join(", ")} removed`);
          assert.ok(after.includes("fgs-runtime-unrelated"), "a dir not named by an emulator is left alone");
          await deploy(emu, "g", { "index.js": "exports.handler = async () => 2;" });
          assert.equal((await sdkInvoke(emu, "g")).parsed(), 2);
          assert.equal(workDirs(base).length, 3, "this emulator's own beside the running one's and the foreign dir");
        } finally {
          await emu.close();
        }
        // The running emulator's dir was never touched: it still runs its function from there.
        assert.ok(workDirs(base).some((n) => left.includes(n)));
      } finally {
        await running.kill();
      }
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("what a stale-work-dir sweep never touches", () => {
  /** A work dir name whose emulator is surely gone (no process has pid 2^22+1 with start time 1). */
  const deadName = (tail: string) => `fgs-runtime-4194305-1-${tail}`;

  it("removes a dead emulator's own dir without following a link inside; leaves planted, shared and linked ones", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-workbase-"));
    const victim = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-victim-"));
    try {
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(victim, `f${i}`), "keep");
      // The emulator's own (0700, ours) with an instance dir holding a link to the victim dir.
      const own = path.join(base, deadName("Own000"));
      fs.mkdirSync(path.join(own, "instances", "i-abc"), { recursive: true, mode: 0o700 });
      fs.chmodSync(own, 0o700);
      fs.symlinkSync(victim, path.join(own, "instances", "i-abc", "link"));
      fs.symlinkSync(victim, path.join(own, "instances", "i-def"));
      // Not ours to remove: writable by others, and a link named like a work dir.
      const shared = path.join(base, deadName("Shared"));
      fs.mkdirSync(shared);
      fs.chmodSync(shared, 0o777);
      const linked = path.join(base, deadName("Linked"));
      fs.symlinkSync(victim, linked);
      // Owned by another user (only root can make one).
      const planted = path.join(base, deadName("Plant0"));
      const root = process.geteuid?.() === 0;
      if (root) {
        fs.mkdirSync(path.join(planted, "sub"), { recursive: true, mode: 0o700 });
        fs.chownSync(path.join(planted, "sub"), 65534, 65534);
        fs.chownSync(planted, 65534, 65534);
      }
      const removed = removeStaleWorkDirs(base);
      assert.deepEqual(removed, [own]);
      assert.equal(fs.existsSync(own), false);
      assert.deepEqual(fs.readdirSync(victim).sort(), ["f0", "f1", "f2", "f3", "f4"], "nothing behind a link was deleted");
      assert.ok(fs.existsSync(shared), "a dir others can write is left alone");
      assert.ok(fs.lstatSync(linked).isSymbolicLink(), "a link named like a work dir is left alone");
      if (root) assert.ok(fs.existsSync(path.join(planted, "sub")), "another user's dir is left alone");
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
      fs.rmSync(victim, { recursive: true, force: true });
    }
  });
});
