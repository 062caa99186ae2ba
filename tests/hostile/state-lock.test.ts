/**
 * Concurrent runs on one harness state: the second is refused with a message naming the holder (instead of both
 * proceeding and orphaning what one of them creates); a lock whose holder is gone (dead pid, reused pid) is
 * detected as stale and taken over; a lock from another host is never broken automatically.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockState, processStartTime, StateLockedError, type LockInfo } from "../../harness/state-lock";
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
    assert.match(refused.message, /delete .*dev\.json\.lock/);
    assert.ok(!fs.existsSync(`${stack.stateFile}.lock`), "released after the run");
    const again = await stack.run("preview");
    assert.equal(again.ok, true);
  });

  it("a lock left by a process that died is stale: taken over, and the caller is told", () => {
    const state = path.join(tmp, "dead.json");
    const holder: LockInfo = { pid: deadPid(), host: os.hostname(), operation: "up", since: "2026-01-01T00:00:00.000Z" };
    fs.writeFileSync(`${state}.lock`, JSON.stringify(holder) + "\n");
    const told: LockInfo[] = [];
    const lock = lockState(state, "up", (i) => told.push(i));
    assert.deepEqual(told.map((i) => i.pid), [holder.pid]);
    assert.equal(JSON.parse(fs.readFileSync(lock.file, "utf8")).pid, process.pid);
    lock.release();
    assert.ok(!fs.existsSync(lock.file));
  });

  it("a live pid that started at another time (the pid was reused) is stale too; a live holder is not", () => {
    if (processStartTime(process.pid) === undefined) return; // no /proc
    const state = path.join(tmp, "reused.json");
    fs.writeFileSync(`${state}.lock`, JSON.stringify({ pid: process.ppid, host: os.hostname(), processStart: "1", operation: "up", since: "x" }) + "\n");
    lockState(state, "up").release();
    const held = lockState(state, "destroy");
    assert.throws(() => lockState(state, "up"), (e: unknown) => e instanceof StateLockedError && /destroy by pid/.test(e.message));
    held.release();
  });

  it("a lock from another host, or an unreadable lock, is never broken automatically", () => {
    const state = path.join(tmp, "remote.json");
    fs.writeFileSync(`${state}.lock`, JSON.stringify({ pid: deadPid(), host: "some-other-host", operation: "up", since: "x" }) + "\n");
    assert.throws(() => lockState(state, "up"), (e: unknown) => e instanceof StateLockedError && /on some-other-host/.test(e.message));
    fs.writeFileSync(`${state}.lock`, "garbage");
    assert.throws(() => lockState(state, "up"), (e: unknown) => e instanceof StateLockedError && /cannot be read/.test(e.message));
    assert.equal(fs.readFileSync(`${state}.lock`, "utf8"), "garbage");
  });
});
