/**
 * The emulator's trigger calls through the official SDK, unchanged: create (per-type validation, default
 * status, duplicates), list, show, update, delete, batch delete; persistence with a data dir; a deleted
 * function takes its triggers with it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../emulator";
import { TriggerSchema } from "../../provider/api/trigger-schemas";
import { codeZip, fg, sdkClient, sdkError } from "./helpers";

function timerBody(name: string, schedule = "5m", scheduleType = "Rate") {
  return new fg.CreateFunctionTriggerRequestBody().withTriggerTypeCode("TIMER").withTriggerStatus("ACTIVE").withEventData(
    new fg.TriggerEventDataRequestBody().withName(name).withScheduleType(scheduleType).withSchedule(schedule).withUserEvent("tick"));
}

describe("triggers through the official SDK", () => {
  it("create → list → show → update status → delete; batch delete; per-type validation", async (t) => {
    const emu = await startEmulator({ quiet: true });
    t.after(() => emu.close());
    const fn = await emu.seedFunction({ func_name: "trig-fn" });
    const urn = fn.func_urn;
    const client = sdkClient(emu);

    const created = await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(timerBody("every-5")));
    assert.equal(created.httpStatusCode, 200);
    TriggerSchema.parse(JSON.parse(JSON.stringify(created)));
    assert.equal(created.trigger_type_code, "TIMER");
    assert.equal(created.trigger_status, "ACTIVE");
    assert.deepEqual(created.event_data, { name: "every-5", schedule_type: "Rate", schedule: "5m", user_event: "tick" });
    assert.match(String(created.created_time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const id = created.trigger_id;

    const apig = await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody({
      trigger_type_code: "APIG",
      event_data: { group_id: "g1", env_id: "e1", env_name: "RELEASE", path: "/hello", req_method: "GET", auth: "NONE", protocol: "HTTPS" },
    }));
    assert.equal(apig.trigger_status, "ACTIVE");
    assert.match(String(apig.event_data.invoke_url), /\/apig\/g1\/RELEASE\/hello$/);
    assert.match(String(apig.event_data.api_id), /^[0-9a-f]{32}$/);

    const kafka = await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody({
      trigger_type_code: "KAFKA", event_data: { instance_id: "i-1", topic_ids: ["t1"], batch_size: 100, kafka_password: "hunter2-kafka" },
    }));
    assert.equal(kafka.trigger_status, "DISABLED", "KAFKA triggers start disabled without a status");
    assert.equal("kafka_password" in kafka.event_data, false, "passwords are never echoed");

    const listed = await client.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(urn));
    // The SDK answers a bare JSON array as that array (plus httpStatusCode).
    const ids = (listed as { trigger_id: string }[]).map((x) => x.trigger_id);
    assert.deepEqual(ids, [id, apig.trigger_id, kafka.trigger_id]);
    assert.equal(JSON.stringify(listed).includes("hunter2-kafka"), false);

    const shown = await client.showFunctionTrigger(new fg.ShowFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(id));
    assert.equal(shown.trigger_id, id);

    const updated = await client.updateTrigger(new fg.UpdateTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(id)
      .withBody(new fg.UpdateTriggerRequestBody().withTriggerStatus("DISABLED")));
    assert.equal(updated.trigger_status, "DISABLED");
    assert.equal(updated.event_data.schedule, "5m");

    // An APIG trigger cannot be disabled; a duplicate timer name is refused; bad schedules name the field.
    const noDisable = await sdkError(client.updateTrigger(new fg.UpdateTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("APIG")
      .withTriggerId(apig.trigger_id).withBody(new fg.UpdateTriggerRequestBody().withTriggerStatus("DISABLED"))));
    assert.deepEqual([noDisable.status, noDisable.code], [400, "FSS.0400"]);
    const dup = await sdkError(client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(timerBody("every-5", "1h"))));
    assert.deepEqual([dup.status, dup.code], [409, "FSS.0409"]);
    for (const [type, schedule, pattern] of [["Rate", "61m", /1-60/], ["Rate", "5s", /Rate schedule/], ["Cron", "0 0 25 * * ?", /out of range for the hours/],
      ["Cron", "0 0 * * *", /has 5 fields/], ["Cron", "@every 1x", /@every/]] as const) {
      const bad = await sdkError(client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(timerBody("t-bad", schedule, type))));
      assert.equal(bad.status, 400, schedule);
      assert.match(bad.msg, /event_data\.schedule/);
      assert.match(bad.msg, pattern);
    }
    for (const [i, good] of ["0 15 2 * * ?", "CRON_TZ=Asia/Shanghai 0 */5 9-17 ? * MON-FRI", "@every 1h30m", "0 0 0 1 JAN,JUL ?"].entries()) {
      const ok = await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(timerBody(`cron-${i}`, good, "Cron")));
      assert.equal(ok.trigger_status, "ACTIVE", good);
    }
    const missing = await sdkError(client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody({
      trigger_type_code: "OBS", event_data: { bucket: "b" },
    })));
    assert.match(missing.msg, /event_data\.events: required/);

    const gone = await client.deleteFunctionTrigger(new fg.DeleteFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(id));
    assert.equal(gone.httpStatusCode, 204);
    const notFound = await sdkError(client.showFunctionTrigger(new fg.ShowFunctionTriggerRequest().withFunctionUrn(urn).withTriggerTypeCode("TIMER").withTriggerId(id)));
    assert.deepEqual([notFound.status, notFound.code], [404, "FSS.0404"]);

    const batch = await client.batchDeleteFunctionTriggers(new fg.BatchDeleteFunctionTriggersRequest().withFunctionUrn(urn));
    assert.equal(batch.httpStatusCode, 204);
    const after = await client.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(urn));
    assert.deepEqual([...after], []);
    assert.deepEqual(emu.requests({ writesOnly: true }).filter((r) => r.status < 300).map((r) => r.operation).filter((o) => o !== "createTrigger"),
      ["updateTrigger", "deleteTrigger", "batchDeleteTriggers"]);
  });

  it("triggers persist in the data dir and go away with their function", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-trig-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const emu = await startEmulator({ quiet: true, dataDir: dir });
    const fn = await emu.seedFunction({ func_name: "persist-fn" });
    const client = sdkClient(emu);
    const created = await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(fn.func_urn).withBody(timerBody("keep-me")));
    await emu.close();

    const again = await startEmulator({ quiet: true, dataDir: dir });
    t.after(() => again.close());
    const client2 = sdkClient(again);
    const shown = await client2.showFunctionTrigger(new fg.ShowFunctionTriggerRequest().withFunctionUrn(fn.func_urn).withTriggerTypeCode("TIMER").withTriggerId(created.trigger_id));
    assert.equal(shown.event_data.name, "keep-me");
    await client2.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(fn.func_urn));
    await again.seedFunction({ func_name: "persist-fn" });
    const listed = await client2.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(fn.func_urn));
    assert.deepEqual([...listed], [], "a re-created function does not inherit the old triggers");
  });

  it("triggers on a version's URN go with the version", async (t) => {
    const emu = await startEmulator({ quiet: true });
    t.after(() => emu.close());
    const fn = await emu.seedFunction({ func_name: "ver-fn" });
    const client = sdkClient(emu);
    const publishV1 = () => client.createFunctionVersion(new fg.CreateFunctionVersionRequest().withFunctionUrn(fn.func_urn)
      .withBody(new fg.CreateFunctionVersionRequestBody().withVersion("v1")));
    await publishV1();
    const v1 = `${fn.func_urn}:v1`;
    await client.createFunctionTrigger(new fg.CreateFunctionTriggerRequest().withFunctionUrn(v1).withBody(timerBody("on-v1")));
    assert.equal([...await client.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(v1))].length, 1);
    assert.equal([...await client.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(fn.func_urn))].length, 0,
      "the head has its own triggers");
    await client.deleteFunction(new fg.DeleteFunctionRequest().withFunctionUrn(v1));
    await emu.modifyCode(fn.func_urn, await codeZip("exports.handler = async () => 'again';\n"));
    await publishV1();
    assert.deepEqual([...await client.listFunctionTriggers(new fg.ListFunctionTriggersRequest().withFunctionUrn(v1))], []);
  });
});
