import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { parseSchedule, ScheduleError } from "../../emulator/runtime/timer-schedule";
import { fg, rawRequest, sdkClient } from "./helpers";
import { deploy, eventually, urnOf } from "./invoke-helpers";

function admin(emu: EmulatorHandle, method: string, path: string, body?: unknown, contentType = "application/json") {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const guard: Record<string, string> = { "X-Fgs-Admin": emu.adminToken };
  return rawRequest(emu.url, method, path, data ? { ...guard, "Content-Type": contentType, "Content-Length": String(data.length) } : guard, data);
}

describe("TIMER schedules", () => {
  const t0 = Date.parse("2026-11-30T12:00:00.000Z");
  it("Rate: 1-60 m, 1-24 h, 1-30 d from the trigger's creation", () => {
    assert.equal(parseSchedule("Rate", "3m", t0).next(t0), t0 + 180_000);
    assert.equal(parseSchedule("Rate", "2h", t0).next(t0 + 1), t0 + 7_200_000);
    assert.equal(parseSchedule("Rate", "1d", t0).next(t0 + 86_400_000), t0 + 2 * 86_400_000);
    for (const bad of ["0m", "61m", "25h", "31d", "5s", "m", "3 m"]) assert.throws(() => parseSchedule("Rate", bad, t0), ScheduleError, bad);
  });

  it("Cron: 6 fields with ? , - * / and names, CRON_TZ, and @every", () => {
    assert.equal(new Date(parseSchedule("Cron", "0 30 9 * * MON-FRI").next(t0)).toISOString(), "2026-12-01T09:30:00.000Z");
    assert.equal(new Date(parseSchedule("Cron", "CRON_TZ=Asia/Shanghai 0 30 9 ? * *").next(t0)).toISOString(), "2026-12-01T01:30:00.000Z");
    assert.equal(new Date(parseSchedule("Cron", "*/15 * * * * *").next(t0 + 1000)).toISOString(), "2026-11-30T12:00:15.000Z");
    assert.equal(new Date(parseSchedule("Cron", "0 0,30 * * * *").next(t0)).toISOString(), "2026-11-30T12:30:00.000Z");
    assert.equal(parseSchedule("Cron", "@every 1h30m", t0).next(t0), t0 + 5_400_000);
    assert.throws(() => parseSchedule("Cron", "0 30 9 * *"), /6 fields/);
    assert.throws(() => parseSchedule("Cron", "0 61 9 * * *"), /invalid/);
    assert.throws(() => parseSchedule("Cron", "@every soon"), /duration/);
    assert.throws(() => parseSchedule("Hourly", "1h"), /schedule_type/);
  });
});

describe("triggers served by the emulator (admin surface)", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
    await deploy(emu, "tick", { "index.js": "exports.handler = async (event) => { console.log('tick', JSON.stringify(event)); return 'ticked'; };" });
  });
  after(() => emu.close());

  it("a TIMER trigger fires async invocations with the TIMER event; deleting it stops it", async () => {
    const created = await admin(emu, "POST", "/__admin/timers", {
      function_urn: urnOf(emu, "tick"), name: "every-second", schedule_type: "Cron", schedule: "@every 1s", user_event: "ping",
    });
    assert.equal(created.status, 201, created.body.toString());
    const timer = created.json() as { trigger_id: string; next_fire_time: string };
    assert.ok(timer.next_fire_time);
    const rec = await eventually(() => emu.invocations({ function: "tick" }).find((r) => r.status === "succeeded"));
    assert.equal(rec.kind, "async");
    const event = JSON.parse(/tick (\{.*\})/.exec(rec.log)![1]);
    assert.equal(event.version, "v1.0");
    assert.equal(event.trigger_type, "TIMER");
    assert.equal(event.trigger_name, "every-second");
    assert.equal(event.user_event, "ping");
    assert.ok(!Number.isNaN(Date.parse(event.time)));
    assert.equal((await admin(emu, "DELETE", `/__admin/timers/${timer.trigger_id}`)).status, 204);
    assert.deepEqual((await admin(emu, "GET", "/__admin/timers")).json(), { timers: [] });
    assert.equal((await admin(emu, "DELETE", `/__admin/timers/${timer.trigger_id}`)).status, 404);
  });

  it("a bad timer is refused naming the field; a missing function is 404; a text/plain POST is 415", async () => {
    const bad = await admin(emu, "POST", "/__admin/timers", { function_urn: urnOf(emu, "tick"), name: "x", schedule_type: "Rate", schedule: "99m" });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json().error_msg), /schedule: Rate '99m' is out of range/);
    const missing = await admin(emu, "POST", "/__admin/timers", { function_urn: urnOf(emu, "nope"), name: "x", schedule_type: "Rate", schedule: "1m" });
    assert.equal(missing.status, 404);
    const text = await admin(emu, "POST", "/__admin/timers", { function_urn: urnOf(emu, "tick"), name: "x", schedule_type: "Rate", schedule: "1m" }, "text/plain");
    assert.equal(text.status, 415);
  });

});

describe("TIMER trigger resources fire", () => {
  it("a TIMER trigger created through the API fires on its schedule; disabling or deleting it stops it", async (t) => {
    const emu = await startEmulator({ quiet: true });
    t.after(() => emu.close());
    await deploy(emu, "cron", { "index.js": "exports.handler = async (event) => event.trigger_name;" });
    const client = sdkClient(emu);
    const urn = urnOf(emu, "cron");
    const created = await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(
      new fg.CreateFunctionTriggerRequestBody().withTriggerTypeCode("TIMER").withTriggerStatus("ACTIVE").withEventData(
        new fg.TriggerEventDataRequestBody().withName("every-second").withScheduleType("Cron").withSchedule("* * * * * *").withUserEvent("tick"))));
    const fired = () => emu.invocations({ function: "cron" }).filter((r) => r.status !== "running");
    await eventually(() => (fired().length >= 1 ? true : undefined), 20_000);
    assert.equal(JSON.parse(fired()[0].result ?? "null"), "every-second", "the TIMER event reached the function");

    await client.deleteFunctionTrigger(new fg.DeleteFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(created.trigger_id));
    await new Promise((r) => setTimeout(r, 1500)); // a call already started may still finish
    const after = emu.invocations({ function: "cron" }).length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(emu.invocations({ function: "cron" }).length, after, "a deleted trigger no longer fires");
  });
});
