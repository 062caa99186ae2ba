/**
 * The invocation log kept in a data dir: finished records appended (0600), the file rewritten with the newest
 * `keep` once it holds twice as many, a torn last line skipped, each log cut to its tail, `seq` continued.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InvocationLog, invocationFile, PERSISTED_LOG_CHARS, readInvocationFile } from "../../emulator/runtime/invocation-log";

function run(log: InvocationLog, n: number, text = "hello\n"): void {
  const rec = log.start({ requestId: `r${n}`, function: "default/f", functionUrn: "urn:f", version: "latest", kind: "sync" });
  log.append(rec, text);
  log.finish(rec, { status: "succeeded", durationMs: 1, memoryMB: 1, result: String(n), coldStart: false });
}

it("kept across restarts, bounded, tolerant of a torn line", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-invlog-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = new InvocationLog(3, 4 * 1024 * 1024, dir);
  for (let i = 1; i <= 7; i++) run(first, i);
  const lines = fs.readFileSync(invocationFile(dir), "utf8").trim().split("\n");
  assert.ok(lines.length <= 6, `at most twice keep lines, got ${lines.length}`);
  assert.equal(fs.statSync(invocationFile(dir)).mode & 0o777, 0o600);
  run(first, 8, "x".repeat(PERSISTED_LOG_CHARS + 10) + "END");
  fs.appendFileSync(invocationFile(dir), '{"seq": 99, "requestId": "torn"'); // a write cut short

  const again = new InvocationLog(3, 4 * 1024 * 1024, dir);
  const kept = again.list({ function: "f" });
  assert.deepEqual(kept.map((r) => r.requestId), ["r6", "r7", "r8"]);
  assert.equal(kept[2].log.length, PERSISTED_LOG_CHARS);
  assert.ok(kept[2].log.endsWith("END"));
  assert.ok(again.lastSeq() >= kept[2].seq);
  run(again, 9);
  assert.ok(again.list({ requestId: "r9" })[0].seq > kept[2].seq, "seq continues after a restart");
  assert.deepEqual(readInvocationFile(dir).slice(-1).map((r) => r.requestId), ["r9"]);
  again.clear();
  assert.deepEqual(readInvocationFile(dir), []);
});

it("a record's size is bounded whatever the function returned: result and error message cut in memory and in the file", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-invlog-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const maxLog = 256 * 1024;
  const log = new InvocationLog(2, maxLog, dir);
  const big = "R" + "\u0001".repeat(1024 * 1024); // 1 MiB of control characters: 6 bytes each as JSON
  for (let i = 0; i < 3; i++) {
    const ok = log.start({ requestId: `ok${i}`, function: "default/f", functionUrn: "urn:f", version: "latest", kind: "sync" });
    log.append(ok, big);
    log.finish(ok, { status: "succeeded", durationMs: 1, memoryMB: 1, result: big, coldStart: false });
    const bad = log.start({ requestId: `bad${i}`, function: "default/f", functionUrn: "urn:f", version: "latest", kind: "sync" });
    log.finish(bad, { status: "failed", durationMs: 1, memoryMB: 1, error: { errorMessage: big, errorType: "E", code: 200 }, coldStart: false });
  }
  const mem = log.list({ requestId: "ok2" })[0];
  assert.equal(mem.result?.length, maxLog);
  assert.ok(mem.result?.startsWith("R"), "the result's head is kept");
  assert.equal(log.list({ requestId: "bad2" })[0].error?.errorMessage.length, maxLog);
  const size = fs.statSync(invocationFile(dir)).size;
  assert.ok(size < 4 * 3 * 6 * PERSISTED_LOG_CHARS, `the file holds ${size} bytes`);
  const back = readInvocationFile(dir);
  const ok = back.find((r) => r.requestId === "ok2")!;
  assert.equal(ok.result?.length, PERSISTED_LOG_CHARS);
  assert.equal(ok.log.length, PERSISTED_LOG_CHARS);
  assert.equal(back.find((r) => r.requestId === "bad2")!.error?.errorMessage.length, PERSISTED_LOG_CHARS);
});
