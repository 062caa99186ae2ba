/**
 * Concurrent runs on one stack, with the file backend's own lock directory (the one the Pulumi CLI uses): the
 * second is refused with a message naming the holder (instead of both proceeding and orphaning what one of them
 * creates); a lock whose holder is gone (dead pid, reused pid) is detected as stale and removed; a lock from
 * another host, or one the CLI holds, is never broken automatically.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockState, processStartTime, StateLockedError, type LockInfo } from "../../harness/state-lock";
import { backendPaths } from "../../harness";
import { FixtureStack } from "../engine/fixtureStack";

function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("harness state lock", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-lock-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("two `up`s at once on the same state: one runs, the other is refused naming the holder; the lock is released after", { timeout: 120_000 }, async (t) => {
    const stack = new FixtureStack();
    t.after(() => stack.dispose());
    const [a, b] = await Promise.allSettled([stack.run("up"), stack.run("up")]);
    const outcomes = [a, b].map((r) => r.status);
    assert.deepEqual(outcomes.sort(), ["fulfilled", "rejected"]);
    const refused = (a.status === "rejected" ? a.reason : (b as PromiseRejectedResult).reason) as unknown;
    assert.ok(refused instanceof StateLockedError, String(refused));
    assert.match(refused.message, new RegExp(`up by pid ${process.pid} on ${os.hostname()}`));
    assert.match(refused.message, /pulumi cancel' or delete .*\.pulumi\/locks\/organization\/fixture\/dev\/[0-9a-f-]+\.json/);
    const lockDir = backendPaths(stack.backendDir, "fixture", "dev").lockDir;
    assert.deepEqual(fs.readdirSync(lockDir), [], "released after the run");
    const again = await stack.run("preview");
    assert.equal(again.ok, true);
  });

  it("a lock left by a process that died is stale: removed, and the caller is told", () => {
    const dir = path.join(tmp, "dead");
    fs.mkdirSync(dir);
    const holder: LockInfo = { pid: deadPid(), hostname: os.hostname(), username: "u", operation: "up", timestamp: "2026-01-01T00:00:00.000Z" };
    fs.writeFileSync(path.join(dir, "old.json"), JSON.stringify(holder));
    const told: LockInfo[] = [];
    const lock = lockState(dir, "up", (i) => told.push(i));
    assert.deepEqual(told.map((i) => i.pid), [holder.pid]);
    assert.deepEqual(fs.readdirSync(dir), [path.basename(lock.file)]);
    const mine = JSON.parse(fs.readFileSync(lock.file, "utf8"));
    assert.deepEqual([mine.pid, mine.hostname, typeof mine.username, typeof mine.timestamp], [process.pid, os.hostname(), "string", "string"]);
    lock.release();
    assert.ok(!fs.existsSync(lock.file));
  });

  it("a live pid that started at another time (the pid was reused) is stale too; a live holder is not", () => {
    if (processStartTime(process.pid) === undefined) return; // no /proc
    const dir = path.join(tmp, "reused");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "old.json"), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), processStart: "1", operation: "up", timestamp: "x" }));
    lockState(dir, "up").release();
    const held = lockState(dir, "destroy");
    assert.throws(() => lockState(dir, "up"), (e: unknown) => e instanceof StateLockedError && /destroy by pid/.test(e.message));
    held.release();
  });

  it("a lock from another host, a live CLI's lock, or an unreadable lock, is never broken automatically", () => {
    const dir = path.join(tmp, "remote");
    fs.mkdirSync(dir);
    const lockFile = path.join(dir, "cli.json");
    fs.writeFileSync(lockFile, JSON.stringify({ pid: deadPid(), hostname: "some-other-host", username: "u", timestamp: "x" }));
    assert.throws(() => lockState(dir, "up"), (e: unknown) => e instanceof StateLockedError && /on some-other-host/.test(e.message));
    // What the CLI writes (no operation, no processStart), its process alive: the harness waits for it.
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, hostname: os.hostname(), username: "u", timestamp: "2026-01-01T00:00:00Z" }));
    assert.throws(() => lockState(dir, "up"), (e: unknown) => e instanceof StateLockedError && /a Pulumi CLI operation by pid/.test(e.message));
    fs.writeFileSync(lockFile, "garbage");
    assert.throws(() => lockState(dir, "up"), (e: unknown) => e instanceof StateLockedError && /cannot be read/.test(e.message));
    assert.equal(fs.readFileSync(lockFile, "utf8"), "garbage");
    assert.deepEqual(fs.readdirSync(dir), ["cli.json"], "a refused run leaves no lock of its own");
  });
});
