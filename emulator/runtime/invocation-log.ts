/**
 * The record of every invocation (sync and async): its status, result or error and its log, kept in memory
 * (the newest `keep` records, each log capped to its tail). Async callers read their outcome here; `fgs logs`
 * reads and follows it through `/__admin/invocations`.
 */

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

/** The invocation records of one emulator. */
export class InvocationLog {
  private readonly records: InvocationRecord[] = [];
  private seq = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly keep: number, private readonly maxLogBytes: number) {}

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
    Object.assign(rec, fields, { endTime: new Date().toISOString(), seq: ++this.seq });
    this.notify();
  }

  /** Records matching `filter`, oldest first by `seq`. */
  list(filter: InvocationFilter = {}): InvocationRecord[] {
    const fn = filter.function === undefined ? undefined : filter.function.includes("/") ? filter.function : `default/${filter.function}`;
    return this.records
      .filter((r) => (fn === undefined || r.function === fn) && (filter.since === undefined || r.seq > filter.since)
        && (filter.requestId === undefined || r.requestId === filter.requestId))
      .sort((a, b) => a.seq - b.seq);
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
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
