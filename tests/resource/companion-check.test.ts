/**
 * Bad input for `Trigger`, `Alias` and `Dependency` at the provider level: `check` (what runs at preview)
 * refuses it with the property and the fix, unknown values are never judged, and — apart from the alias's
 * one version lookup — no API call is made.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import * as alias from "../../provider/resource/alias/lifecycle";
import * as dependency from "../../provider/resource/dependency/lifecycle";
import * as trigger from "../../provider/resource/trigger/lifecycle";
import { UNKNOWN } from "../../provider/resource/defaults";
import { configureFor } from "./helpers";

let emu: EmulatorHandle;
let urn: string;
let work: string;

before(async () => {
  emu = await startEmulator({ quiet: true });
  await configureFor(emu);
  urn = (await emu.seedFunction({ func_name: "chk-fn" })).func_urn;
  work = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-chk-"));
});
after(async () => {
  await emu.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const timer = (eventData: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  trigger.check({}, { functionUrn: urn, type: "TIMER", eventData: { name: "t1", schedule_type: "Rate", schedule: "5m", ...eventData }, ...extra });

describe("Trigger check", () => {
  it("accepts a valid timer, applies defaults, strips :latest, and calls nothing", async () => {
    emu.clearLog();
    const r = await trigger.check({}, { functionUrn: `${urn}:latest`, type: "TIMER", eventData: { name: "t1", schedule_type: "Cron", schedule: "0 0 9 ? * MON-FRI" } });
    assert.deepEqual(r.failures, []);
    assert.equal(r.inputs.status, "ACTIVE");
    assert.equal(r.inputs.functionUrn, urn);
    assert.equal(r.inputs.region, emu.region);
    assert.deepEqual(emu.requests(), []);
  });

  it("names eventData and the key for bad timers", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ schedule: "0m" }, /schedule: '0m' is not a Rate schedule/],
      [{ schedule: "25h" }, /schedule: '25h': a Rate in hours must be 1-24/],
      [{ schedule_type: "Cron", schedule: "* * * * *" }, /has 5 fields/],
      [{ schedule_type: "Cron", schedule: "0 0 0 ? FOO *" }, /month field/],
      [{ schedule_type: "Daily" }, /schedule_type: required: 'Rate'/],
      [{ name: "9lives" }, /name: must start with a letter/],
      [{ user_event: "x".repeat(5000) }, /user_event: must be at most 4096/],
    ];
    for (const [data, pattern] of cases) {
      const r = await timer(data);
      assert.equal(r.failures?.[0]?.property, "eventData", JSON.stringify(data));
      assert.match(String(r.failures?.[0]?.reason), pattern);
    }
  });

  it("checks the other types' required keys and which types can be disabled", async () => {
    const apig = await trigger.check({}, { functionUrn: urn, type: "APIG", eventData: { group_id: "g", env_id: "e", path: "hello", req_method: "GET", auth: "NONE", protocol: "HTTP" } });
    assert.match(String(apig.failures?.[0]?.reason), /path: must start with '\/'/);
    const smn = await trigger.check({}, { functionUrn: urn, type: "SMN", eventData: { topic_urn: "topic" } });
    assert.match(String(smn.failures?.[0]?.reason), /topic_urn: must be an SMN topic URN/);
    const dis = await trigger.check({}, { functionUrn: urn, type: "DIS", eventData: { stream_name: "s" } });
    assert.match(String(dis.failures?.[0]?.reason), /sharditerator_type: required/);
    const off = await trigger.check({}, { functionUrn: urn, type: "OBS", status: "DISABLED", eventData: { bucket: "b", events: ["s3:ObjectCreated:*"] } });
    assert.deepEqual(off.failures?.map((f) => f.property), ["status"]);
    const type = await trigger.check({}, { functionUrn: urn, type: "FTP", eventData: {} });
    assert.match(String(type.failures?.[0]?.reason), /one of TIMER, APIG/);
    const badUrn = await trigger.check({}, { functionUrn: "chk-fn", type: "SMN", eventData: { topic_urn: "urn:smn:r:p:t" } });
    assert.deepEqual(badUrn.failures?.map((f) => f.property), ["functionUrn"]);
  });

  it("never judges unknown values", async () => {
    const r = await trigger.check({}, { functionUrn: UNKNOWN, type: "TIMER", eventData: UNKNOWN });
    assert.deepEqual(r.failures, []);
    assert.equal(r.inputs.eventData, UNKNOWN);
  });
});

describe("Alias check", () => {
  it("refuses bad routing without a call, and missing versions after one lookup", async () => {
    emu.clearLog();
    const heavy = await alias.check({}, { functionUrn: urn, name: "a", version: "latest", additionalVersionWeights: { v1: 60, v2: 50 } });
    assert.ok(heavy.failures?.some((f) => f.property === "additionalVersionWeights" && /sum to 110%/.test(f.reason)));
    const both = await alias.check({}, {
      functionUrn: urn, name: "a", version: "latest", additionalVersionWeights: { v1: 10 },
      additionalVersionStrategy: { v1: { combine_type: "and", rules: [{ rule_type: "header", param: "x", op: "=", value: "1" }] } },
    });
    assert.ok(both.failures?.some((f) => /either weights or a rule-based strategy/.test(f.reason)));
    const reserved = await alias.check({}, { functionUrn: urn, name: "latest", version: "latest" });
    assert.deepEqual(reserved.failures?.map((f) => f.property), ["name"]);
    const qualified = await alias.check({}, { functionUrn: `${urn}:v1`, name: "a", version: "latest" });
    assert.deepEqual(qualified.failures?.map((f) => f.property), ["functionUrn"]);
    assert.deepEqual(emu.requests(), [], "routing rules need no call");

    const missing = await alias.check({}, { functionUrn: urn, name: "a", version: "v7", additionalVersionWeights: { v8: 5 } });
    assert.deepEqual(missing.failures?.map((f) => f.property), ["version", "additionalVersionWeights"]);
    assert.match(String(missing.failures?.[0]?.reason), /no version 'v7' \(published versions: latest\)/);
    assert.deepEqual(emu.requests().map((r) => r.operation), ["listVersions"]);
    const ok = await alias.check({}, { functionUrn: urn, name: "a", version: "latest" });
    assert.deepEqual(ok.failures, []);
    assert.equal(ok.inputs.description, "");
  });

  it("skips the version lookup when the version is unknown", async () => {
    emu.clearLog();
    const r = await alias.check({}, { functionUrn: urn, name: "a", version: UNKNOWN });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(emu.requests(), []);
  });
});

describe("Dependency check", () => {
  it("hashes the source for the diff key, and names bad arguments", async () => {
    const dir = path.join(work, "lib");
    fs.mkdirSync(path.join(dir, "nodejs"), { recursive: true });
    fs.writeFileSync(path.join(dir, "nodejs/a.js"), "1\n");
    emu.clearLog();
    const ok = await dependency.check({}, { sourceDir: dir, runtime: "Node.js18.15", name: "lib" });
    assert.deepEqual(ok.failures, []);
    assert.match(String(ok.inputs.sourceSha512), /^[0-9a-f]{128}$/);
    assert.equal(ok.inputs.fileCount, 1);
    const again = await dependency.check({}, { sourceDir: dir, runtime: "Node.js18.15", name: "lib" });
    assert.equal(again.inputs.sourceSha512, ok.inputs.sourceSha512);
    const bad = await dependency.check({}, { sourceDir: path.join(work, "none"), runtime: "Node.js99", name: "1lib" });
    assert.deepEqual(bad.failures?.map((f) => f.property).sort(), ["name", "runtime", "sourceDir"]);
    assert.deepEqual(emu.requests(), []);
  });
});
