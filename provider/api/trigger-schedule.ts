/**
 * TIMER trigger schedules (docs/running-functions.md "Trigger events"): `Rate` like `3m` (1–60 minutes), `2h`
 * (1–24 hours), `1d` (1–30 days); `Cron` either `@every <duration>` (Go duration: `1h30m`, `90s`) or six fields
 * `sec min hour day-of-month month day-of-week` with `? , - * /` and names (`MON-FRI`, `JAN`), optionally after
 * a `CRON_TZ=Area/City ` prefix. Parsed into a structured schedule so the provider validates at preview, the
 * emulator refuses what the service refuses, and an invoker can compute when a timer fires.
 */

/** A parsed schedule: a fixed period, or cron fields expanded into the values each field allows. */
export type ParsedSchedule =
  | { kind: "rate"; periodMs: number }
  | { kind: "every"; periodMs: number }
  | {
    kind: "cron"; timeZone?: string;
    seconds: number[]; minutes: number[]; hours: number[]; daysOfMonth: number[]; months: number[]; daysOfWeek: number[];
    /** `?` or `*` in day-of-month / day-of-week: that field does not restrict the day. */
    anyDayOfMonth: boolean; anyDayOfWeek: boolean;
  };

/** The outcome of parsing: a schedule, or the reason (a sentence naming what to fix). */
export type ScheduleResult = { ok: true; schedule: ParsedSchedule } | { ok: false; reason: string };

const RATE_UNITS = { m: { max: 60, ms: 60_000, word: "minutes" }, h: { max: 24, ms: 3_600_000, word: "hours" }, d: { max: 30, ms: 86_400_000, word: "days" } } as const;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of the first name (months start at 1, days at 0). */
  nameBase?: number;
  question?: boolean;
}

const FIELDS: FieldSpec[] = [
  { name: "seconds", min: 0, max: 59 },
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: "day of week", min: 0, max: 6, names: DAYS, nameBase: 0, question: true },
];

function fail(reason: string): ScheduleResult {
  return { ok: false, reason };
}

/** A `Rate` schedule: `<n>m` (1–60), `<n>h` (1–24) or `<n>d` (1–30). */
export function parseRate(text: string): ScheduleResult {
  const m = /^([1-9][0-9]*)([mhd])$/.exec(text);
  if (!m) return fail(`'${text}' is not a Rate schedule: use <n>m (1-60 minutes), <n>h (1-24 hours) or <n>d (1-30 days), e.g. '5m'`);
  const unit = RATE_UNITS[m[2] as keyof typeof RATE_UNITS];
  const n = Number(m[1]);
  if (n > unit.max) return fail(`'${text}': a Rate in ${unit.word} must be 1-${unit.max}`);
  return { ok: true, schedule: { kind: "rate", periodMs: n * unit.ms } };
}

/** A Go duration (`1h30m`, `90s`, `500ms`) in ms; undefined when malformed. */
function goDurationMs(text: string): number | undefined {
  if (!/^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$/.test(text)) return undefined;
  const scale: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const part of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)/g)) total += Number(part[1]) * scale[part[2]];
  return total;
}

function value(token: string, spec: FieldSpec): number | undefined {
  if (/^[0-9]+$/.test(token)) return Number(token);
  const at = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  return at >= 0 ? at + (spec.nameBase ?? 0) : undefined;
}

/** Expands one cron field; a string is the reason it is invalid. */
function expandField(text: string, spec: FieldSpec): number[] | string {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined || range === "") return `'${item}' is not a valid ${spec.name} item`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^[1-9][0-9]*$/.test(stepText)) return `step '/${stepText}' in the ${spec.name} field must be a positive whole number`;
      step = Number(stepText);
    }
    let lo: number | undefined;
    let hi: number | undefined;
    if (range === "*" || (range === "?" && spec.question)) {
      [lo, hi] = [spec.min, spec.max];
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      [lo, hi] = [value(a, spec), value(b, spec)];
    } else {
      lo = value(range, spec);
      hi = stepText !== undefined ? spec.max : lo;
    }
    if (lo === undefined || hi === undefined) {
      const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : "";
      return `'${item}' is not valid in the ${spec.name} field (use numbers ${spec.min}-${spec.max}${names}, '*', ','${spec.question ? ", '?'" : ""}, '-', '/')`;
    }
    if (lo < spec.min || hi > spec.max || lo > hi) return `'${item}' is out of range for the ${spec.name} field (${spec.min}-${spec.max})`;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** A `Cron` schedule: `@every <duration>`, or six fields with an optional `CRON_TZ=Area/City` prefix. */
export function parseCron(text: string): ScheduleResult {
  const trimmed = text.trim();
  if (trimmed.startsWith("@every")) {
    const ms = goDurationMs(trimmed.slice("@every".length).trim());
    if (ms === undefined || ms < 1000) return fail(`'${text}': @every takes a duration of at least 1s like '1h30m' or '90s'`);
    return { ok: true, schedule: { kind: "every", periodMs: ms } };
  }
  let rest = trimmed;
  let timeZone: string | undefined;
  const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(trimmed);
  if (tz) {
    if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$|^UTC$/.test(tz[1])) return fail(`'${tz[1]}' is not a time zone like 'Asia/Shanghai'`);
    timeZone = tz[1];
    rest = tz[2];
  }
  const parts = rest.split(/\s+/).filter(Boolean);
  if (parts.length !== 6) {
    return fail(`'${text}' has ${parts.length} fields; a Cron schedule has six: seconds minutes hours day-of-month month day-of-week (e.g. '0 15 2 * * ?'), or '@every 1h'`);
  }
  const expanded: number[][] = [];
  for (const [i, spec] of FIELDS.entries()) {
    if (parts[i] === "?" && !spec.question) return fail(`'?' is only allowed in the day-of-month and day-of-week fields, not in ${spec.name}`);
    const r = expandField(parts[i], spec);
    if (typeof r === "string") return fail(r);
    expanded.push(r);
  }
  const anyDayOfMonth = parts[3] === "?" || parts[3] === "*";
  const anyDayOfWeek = parts[5] === "?" || parts[5] === "*";
  return {
    ok: true,
    schedule: {
      kind: "cron", timeZone,
      seconds: expanded[0], minutes: expanded[1], hours: expanded[2], daysOfMonth: expanded[3], months: expanded[4], daysOfWeek: expanded[5],
      anyDayOfMonth, anyDayOfWeek,
    },
  };
}

/** Parses a TIMER schedule of the given `schedule_type`. */
export function parseSchedule(scheduleType: string, schedule: string): ScheduleResult {
  if (scheduleType === "Rate") return parseRate(schedule);
  if (scheduleType === "Cron") return parseCron(schedule);
  return fail(`schedule_type '${scheduleType}' must be 'Rate' or 'Cron'`);
}
