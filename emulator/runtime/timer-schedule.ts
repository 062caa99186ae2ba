/**
 * TIMER trigger schedules: `schedule_type: "Rate"` (`3m` 1–60 minutes, `2h` 1–24 hours, `1d` 1–30 days) and
 * `"Cron"` (`@every 1h30m`, or 6 fields `sec min hour dom month dow` with `? , - * /` and names, optionally
 * prefixed by `CRON_TZ=Area/City`; UTC without it), parsed into "when next" — the 6-field cron by cron-parser.
 */
import { CronExpressionParser } from "cron-parser";

/** A parsed schedule: the first fire time strictly after `after` (epoch ms). */
export interface Schedule {
  next(after: number): number;
}

/** A schedule the service would refuse; the message names the field and the accepted forms. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

const RATE = /^(\d+)([mhd])$/;
const RATE_LIMITS: Record<string, [number, number, number]> = { m: [1, 60, 60_000], h: [1, 24, 3_600_000], d: [1, 30, 86_400_000] };

/** Milliseconds of a Go-style duration (`1h30m`, `90s`, `2h`), as `@every` takes. */
function goDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new ScheduleError(`schedule: '@every ${text}' is not a duration like 1h30m`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0);
}

/** Every `ms` from `origin`. */
function every(ms: number, origin: number): Schedule {
  return { next: (after) => origin + (Math.floor((after - origin) / ms) + 1) * ms };
}

/** Parses `schedule` of `scheduleType`; `origin` anchors Rate and `@every` (the trigger's creation time). */
export function parseSchedule(scheduleType: string, schedule: string, origin = Date.now()): Schedule {
  if (scheduleType === "Rate") {
    const m = RATE.exec(schedule);
    if (!m) throw new ScheduleError(`schedule: Rate '${schedule}' must be like 3m (1-60), 2h (1-24) or 1d (1-30)`);
    const [min, max, unit] = RATE_LIMITS[m[2]];
    const n = Number(m[1]);
    if (n < min || n > max) throw new ScheduleError(`schedule: Rate '${schedule}' is out of range (${min}-${max}${m[2]})`);
    return every(n * unit, origin);
  }
  if (scheduleType !== "Cron") throw new ScheduleError(`schedule_type: expected Rate or Cron, not '${scheduleType}'`);
  let expr = schedule.trim();
  let tz = "UTC"; // [inferred] without CRON_TZ, UTC (not the emulator machine's zone, so schedules are portable)
  const tzMatch = /^CRON_TZ=(\S+)\s+(.*)$/.exec(expr);
  if (tzMatch) [tz, expr] = [tzMatch[1], tzMatch[2]];
  if (expr.startsWith("@every ")) {
    const ms = goDuration(expr.slice(7).trim());
    if (ms < 1000) throw new ScheduleError(`schedule: '@every' needs at least 1s`);
    return every(ms, origin);
  }
  if (expr.split(/\s+/).length !== 6) throw new ScheduleError(`schedule: Cron '${schedule}' must have 6 fields: sec min hour day-of-month month day-of-week`);
  try {
    CronExpressionParser.parse(expr, { tz });
  } catch (e) {
    throw new ScheduleError(`schedule: Cron '${schedule}' is invalid: ${(e as Error).message}`);
  }
  return {
    next: (after) => CronExpressionParser.parse(expr, { tz, currentDate: new Date(after) }).next().toDate().getTime(),
  };
}
