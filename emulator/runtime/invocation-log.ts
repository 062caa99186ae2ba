/**
 * The record of every invocation (sync and async): its status, result or error and its log, kept in memory
 * (the newest `keep` records, each log capped to its tail, result and error message to their head) and, with a
 * data dir, appended to `<dataDir>/invocations.jsonl` (mode 0600; each log's last `PERSISTED_LOG_CHARS`, the
 * first of result and error message) when it finishes — so an emulator restarted on the same data dir, or
 * `fgs logs --data-dir`, sees the calls an earlier (e.g. embedded) emulator ran. The file is rewritten with the
 * newest `keep` records once it holds twice as many. Async callers read their outcome here; `fgs logs` reads and
 * follows it through `/__admin/invocations` or from the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** How an invocation ended (or that it has not yet). */
export type InvocationStatus = "running" | "succeeded" | "failed" | "timeout";

/** One invocation. */
export interface InvocationRecord {
  /** Increasing number, for following (`since`). */
  seq: number;
  requestId: string;
  /** `<package>/<name>`. */
  function: string;
  /** The function URN without a version. */
  functionUrn: string;
  version: string;
  alias?: string;
  kind: "sync" | "async";
  status: InvocationStatus;
  /** ISO times. */
  startTime: string;
  endTime?: string;
  durationMs?: number;
  coldStart?: boolean;
  memoryMB?: number;
  /** The result text on success. */
  result?: string;
  /** `{errorMessage, errorType}` on failure; `code` is `X-Func-Err-Code`. */
  error?: { errorMessage: string; errorType: string; code: number };
  log: string;
}

/** A filter for `list`. */
export interface InvocationFilter {
  /** `<package>/<name>`, or a bare name (package `default`). */
  function?: string;
  /** Only records with `seq > since`. */
  since?: number;
  requestId?: string;
}

/**
 * The tail of each log, and the head of each result and error message, kept in the file (so a record's line
 * stays under a few hundred KiB whatever the function printed or returned, and the file under ~2 × keep of them).
 */
export const PERSISTED_LOG_CHARS = 64 * 1024;

/** `text` cut to its first `max` characters (a result or error message: its beginning says most). */
function head(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** A record as kept in the file: log tail, result and error message heads of at most `PERSISTED_LOG_CHARS`. */
function persistedForm(r: InvocationRecord): InvocationRecord {
  const over = (t: string | undefined) => t !== undefined && t.length > PERSISTED_LOG_CHARS;
  if (!over(r.log) && !over(r.result) && !over(r.error?.errorMessage)) return r;
  return {
    ...r, log: r.log.slice(-PERSISTED_LOG_CHARS),
    ...(r.result !== undefined ? { result: head(r.result, PERSISTED_LOG_CHARS) } : {}),
    ...(r.error ? { error: { ...r.error, errorMessage: head(r.error.errorMessage, PERSISTED_LOG_CHARS) } } : {}),
  };
}

/** The invocation file of a data dir. */
export function invocationFile(dataDir: string): string {
  return path.join(dataDir, "invocations.jsonl");
}

/**
 * The finished records kept in a data dir's invocation file (oldest first by `seq`); none when it is absent. A
 * line that is not a record (the torn tail of a write cut short by a crash) is skipped.
 */
export function readInvocationFile(dataDir: string): InvocationRecord[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(invocationFile(dataDir)); // bytes, split by line: the whole file as one string could pass V8's limit
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const out: InvocationRecord[] = [];
  for (let start = 0; start < bytes.length;) {
    const nl = bytes.indexOf(10, start);
    const end = nl === -1 ? bytes.length : nl;
    const line = bytes.toString("utf8", start, end);
    start = end + 1;
    if (!line) continue;
    try {
      const r = JSON.parse(line) as InvocationRecord;
      if (r && typeof r.seq === "number" && typeof r.requestId === "string" && typeof r.function === "string") out.push(r);
    } catch {
      /* a torn line */
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Filters records (oldest first by `seq`): by function (`package/name` or a bare name in `default`), seq, request id. */
export function filterInvocations(records: InvocationRecord[], filter: InvocationFilter): InvocationRecord[] {
  const fn = filter.function === undefined ? undefined : filter.function.includes("/") ? filter.function : `default/${filter.function}`;
  return records
    .filter((r) => (fn === undefined || r.function === fn) && (filter.since === undefined || r.seq > filter.since)
      && (filter.requestId === undefined || r.requestId === filter.requestId))
    .sort((a, b) => a.seq - b.seq);
}

/** The invocation records of one emulator. */
export class InvocationLog {
  private readonly records: InvocationRecord[] = [];
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  /** Lines in the file (to know when to rewrite it). */
  private lines = 0;
  private file: string | undefined;

  /** `dataDir`: where finished records are kept across restarts (none: memory only). */
  constructor(private readonly keep: number, private readonly maxLogBytes: number, dataDir?: string) {
    if (dataDir === undefined) return;
    const file = invocationFile(dataDir);
    this.file = file;
    const kept = readInvocationFile(dataDir);
    this.lines = kept.length;
    this.records.push(...kept.slice(-keep));
    this.seq = kept.reduce((m, r) => Math.max(m, r.seq), 0);
    // A write cut short left a line without its end: end it, so the next record starts a line of its own.
    try {
      const size = fs.statSync(file).size;
      const last = Buffer.alloc(1);
      const fd = fs.openSync(file, "r");
      try {
        fs.readSync(fd, last, 0, 1, size - 1);
      } finally {
        fs.closeSync(fd);
      }
      if (size > 0 && last[0] !== 0x0a) fs.appendFileSync(file, "\n");
    } catch {
      /* no file yet */
    }
  }

  /** Appends a finished record to the file (rewriting it with the newest `keep` once it holds twice as many). */
  private persist(rec: InvocationRecord): void {
    if (!this.file) return;
    const line = (r: InvocationRecord) => JSON.stringify(persistedForm(r)) + "\n";
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 }); // the data dir (persistence.ts)
      if (++this.lines > 2 * this.keep) {
        const done = this.records.filter((r) => r.status !== "running");
        const tmp = `${this.file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, done.map(line).join(""), { mode: 0o600 });
        fs.renameSync(tmp, this.file);
        this.lines = done.length;
      } else {
        fs.appendFileSync(this.file, line(rec), { mode: 0o600 });
      }
    } catch (err) {
      // Keeping the log on disk is best effort: the call's outcome is still answered and kept in memory.
      process.stderr.write(`[fgs-emulator] cannot keep the invocation log in ${this.file}: ${(err as Error).message}\n`);
    }
  }

  /** Adds a running invocation and returns it (mutate through `append` / `finish`). */
  start(init: Omit<InvocationRecord, "seq" | "status" | "log" | "startTime">): InvocationRecord {
    const rec: InvocationRecord = { ...init, seq: ++this.seq, status: "running", startTime: new Date().toISOString(), log: "" };
    this.records.push(rec);
    while (this.records.length > this.keep) this.records.shift();
    this.notify();
    return rec;
  }

  /** Appends log text, keeping at most the last `maxLogBytes` characters. */
  append(rec: InvocationRecord, text: string): void {
    rec.log += text;
    if (rec.log.length > this.maxLogBytes) rec.log = rec.log.slice(rec.log.length - this.maxLogBytes);
  }

  /** Marks the record finished (it moves to the end of the follow order: a new `seq`). */
  finish(rec: InvocationRecord, fields: Pick<InvocationRecord, "status" | "durationMs" | "memoryMB" | "result" | "error" | "coldStart">): void {
    // Kept records hold at most `maxLogBytes` of result and error message too (each call's answer may be 6 MB).
    const cut = { ...fields, ...(fields.result !== undefined ? { result: head(fields.result, this.maxLogBytes) } : {}),
      ...(fields.error ? { error: { ...fields.error, errorMessage: head(fields.error.errorMessage, this.maxLogBytes) } } : {}) };
    Object.assign(rec, cut, { endTime: new Date().toISOString(), seq: ++this.seq });
    this.persist(rec);
    this.notify();
  }

  /** Records matching `filter`, oldest first by `seq`. */
  list(filter: InvocationFilter = {}): InvocationRecord[] {
    return filterInvocations(this.records, filter);
  }

  /** The latest `seq` handed out. */
  lastSeq(): number {
    return this.seq;
  }

  /** Resolves on the next change or after `timeoutMs`. */
  changed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.listeners.add(done);
    });
  }

  /** Forgets every record. */
  clear(): void {
    this.records.length = 0;
    if (this.file) fs.rmSync(this.file, { force: true });
    this.lines = 0;
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
