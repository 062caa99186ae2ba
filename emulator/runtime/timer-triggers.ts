/**
 * TIMER triggers that fire on their schedule: each fires an asynchronous invocation of its function with the
 * service's TIMER event `{"version":"v1.0","time":"<RFC 3339>","trigger_type":"TIMER","trigger_name":…,
 * "user_event":…}`. Created through the admin surface (`/__admin/timers`) until trigger resources exist in the
 * store (then `add`/`remove` follow them, with the trigger's id).
 */
import { randomUUID } from "node:crypto";
import { parseSchedule, type Schedule } from "./timer-schedule";

/** What creates a timer (the service's `event_data` plus the function). */
export interface TimerSpec {
  function_urn: string;
  name: string;
  schedule_type: "Rate" | "Cron";
  schedule: string;
  user_event?: string;
  /** DISABLED timers are kept but never fire. Default ACTIVE. */
  status?: "ACTIVE" | "DISABLED";
}

/** A timer as listed. */
export interface TimerTrigger extends Required<TimerSpec> {
  trigger_id: string;
  created_time: string;
  /** ISO time of the next firing (absent when disabled). */
  next_fire_time?: string;
  /** Request ids of the invocations fired so far (the last 20). */
  fired: string[];
}

/** Fires one invocation of `urn` with `event` (JSON text); returns its request id. */
export type FireFn = (urn: string, event: string) => Promise<string>;

interface Entry {
  trigger: TimerTrigger;
  schedule: Schedule;
  timer?: NodeJS.Timeout;
}

const MAX_DELAY = 2 ** 31 - 1;

/** The running TIMER triggers of one emulator. */
export class TimerScheduler {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly fire: FireFn, private readonly onError: (message: string) => void = () => {}) {}

  /** Creates a timer (throws `ScheduleError` naming the field for a bad schedule). */
  add(spec: TimerSpec, id: string = randomUUID()): TimerTrigger {
    const created = Date.now();
    const schedule = parseSchedule(spec.schedule_type, spec.schedule, created);
    const trigger: TimerTrigger = {
      function_urn: spec.function_urn, name: spec.name, schedule_type: spec.schedule_type, schedule: spec.schedule,
      user_event: spec.user_event ?? "", status: spec.status ?? "ACTIVE", trigger_id: id,
      created_time: new Date(created).toISOString(), fired: [],
    };
    const entry: Entry = { trigger, schedule };
    this.remove(id);
    this.entries.set(id, entry);
    if (trigger.status === "ACTIVE") this.arm(entry, created);
    return trigger;
  }

  private arm(entry: Entry, after: number): void {
    const at = entry.schedule.next(after);
    entry.trigger.next_fire_time = new Date(at).toISOString();
    const wait = at - Date.now();
    entry.timer = setTimeout(() => {
      if (this.entries.get(entry.trigger.trigger_id) !== entry) return;
      if (Date.now() < at) return this.arm(entry, after); // a delay longer than setTimeout allows: wait again
      const event = JSON.stringify({
        version: "v1.0", time: new Date(at).toISOString(), trigger_type: "TIMER", trigger_name: entry.trigger.name,
        user_event: entry.trigger.user_event,
      });
      this.fire(entry.trigger.function_urn, event).then((requestId) => {
        entry.trigger.fired.push(requestId);
        if (entry.trigger.fired.length > 20) entry.trigger.fired.shift();
      }, (err: Error) => this.onError(`timer ${entry.trigger.name}: ${err.message}`));
      this.arm(entry, at);
    }, Math.max(0, Math.min(wait, MAX_DELAY)));
    entry.timer.unref();
  }

  /** Every timer. */
  list(): TimerTrigger[] {
    return [...this.entries.values()].map((e) => e.trigger);
  }

  /** Deletes a timer; false when absent. */
  remove(id: string): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    if (e.timer) clearTimeout(e.timer);
    this.entries.delete(id);
    return true;
  }

  /** Stops every timer. */
  close(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }
}
