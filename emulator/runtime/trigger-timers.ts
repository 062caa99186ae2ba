/**
 * TIMER trigger resources fire on their schedule: the scheduler (timer-triggers.ts) is kept in step with the
 * TIMER triggers stored on the functions — after every trigger call and when the runtime starts — so a trigger
 * created, disabled or deleted through the API (the `Trigger` resource, the official SDK) starts or stops firing.
 * Timers created through the admin surface are left alone.
 */
import type { EmulatorContext } from "../context";
import { allTriggers } from "../store/companion-records";
import { buildUrn } from "../api/urn";
import type { TimerScheduler, TimerSpec } from "./timer-triggers";

/** The ids of the timers this module manages, per scheduler (admin-made timers are never touched). */
const managed = new WeakMap<TimerScheduler, Map<string, string>>();

/** Makes the scheduler's trigger-backed timers equal to the stored TIMER triggers (ACTIVE ones armed). */
export function syncTimerTriggers(ctx: EmulatorContext, timers: TimerScheduler): void {
  const mine = managed.get(timers) ?? new Map<string, string>();
  managed.set(timers, mine);
  const wanted = new Map<string, TimerSpec>();
  for (const { package: pkg, functionName, trigger } of allTriggers(ctx.store)) {
    if (trigger.type !== "TIMER") continue;
    const d = trigger.eventData as { name?: string; schedule_type?: "Rate" | "Cron"; schedule?: string; user_event?: string };
    if (!d.schedule_type || !d.schedule) continue;
    const version = trigger.qualifier === "latest" ? undefined : trigger.qualifier;
    wanted.set(trigger.id, {
      function_urn: buildUrn(ctx.scope, pkg, functionName, version), name: d.name ?? trigger.id,
      schedule_type: d.schedule_type, schedule: d.schedule, user_event: d.user_event, status: trigger.status,
    });
  }
  for (const id of [...mine.keys()]) {
    if (!wanted.has(id)) {
      timers.remove(id);
      mine.delete(id);
    }
  }
  for (const [id, spec] of wanted) {
    const key = JSON.stringify(spec);
    if (mine.get(id) === key) continue; // unchanged: keep its schedule running
    try {
      timers.add(spec, id);
      mine.set(id, key);
    } catch {
      mine.delete(id); // a schedule the API accepted but the scheduler cannot run: it simply never fires
    }
  }
}
